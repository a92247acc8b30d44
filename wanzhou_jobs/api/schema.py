"""OpenAPI pieces shared by every endpoint (DESIGN.md §6): the error serializer and `error_responses` for
`extend_schema`, and `schema_describe`, the drf-spectacular post-processing hook named in
`SPECTACULAR_SETTINGS` that sets the long bilingual description of the whole API.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField(
        help_text="面向用户的中文错误说明。 / Human-readable error message (Simplified Chinese)."
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="按参数名列出的错误；无则为空对象。 / Errors by parameter name; empty object when none.",
    )


def error_responses(*codes: int) -> dict:
    text = {
        400: "查询参数有误。 / Invalid query parameter.",
        401: "未认证、令牌无效、已停用或已过期，或令牌放在了网址中。 / Missing, invalid, revoked or expired token, "
        "or a token in the query string.",
        403: "账号无权使用数据接口，或须先修改初始密码。 / The account may not use the API, or must change its "
        "first password first.",
        404: "未找到。 / Not found.",
        429: "请求过于频繁，见 Retry-After。 / Too many requests; see Retry-After.",
    }
    return {
        (code, "application/json"): OpenApiResponse(
            ErrorSerializer,
            description=text[code],
            examples=[
                OpenApiExample(
                    f"error {code}",
                    value={"message": "请求过于频繁，请在 12 秒后重试。", "fields": {}}
                    if code == 429
                    else {
                        "message": "找不到镇乡街道“某某镇”，请填写名称或 9 位（12 位）区划代码。",
                        "fields": {
                            "township": ["找不到镇乡街道“某某镇”，请填写名称或 9 位（12 位）区划代码。"]
                        },
                    }
                    if code == 400
                    else {"message": "令牌无效。", "fields": {}},
                    response_only=True,
                    status_codes=[code],
                )
            ],
        )
        for code in codes
    }


API_DESCRIPTION = """
万州区农民工就近就业目标管理系统的只读数据接口（DESIGN.md §6），供市级系统（渝悦就业）等客户端增量拉取实名台账和目标进度。

* 认证：请求头 `Authorization: Token <令牌>`（令牌由 `manage.py create_api_client` 生成，只保存其 SHA-256，
  可停用、会过期）；不接受网址参数中的令牌，不支持 HTTP Basic。已登录的工作人员会话也可调用，按其镇乡街道/行业
  范围过滤。
* 只读：除 GET/HEAD 外一律 405。
* 脱敏：身份证号 `500101********123X`、手机号 `138****1234`，除非客户端持有 `read_unmasked` 权限；工作人员会话始终脱敏。
* 限流：按客户端计，超限返回 429 及 `Retry-After`。
* 参数：未知、值为空或重复出现的查询参数一律 400（拼错或漏填的过滤条件不会悄悄扩大返回范围）。
* 错误：`{"message": 中文说明, "fields": {参数: [说明]}}`。
* 每次调用都记录访问者、接口、过滤条件、返回条数和字段（个人信息处理记录，保存不少于 3 年）；响应均为 `Cache-Control: no-store`。

Read-only API of the Wanzhou nearby-employment target system (DESIGN.md §6) for client systems such as the
city system: incremental pulls of the real-name ledger and progress against targets.

* Authentication: header `Authorization: Token <key>` (issued by `manage.py create_api_client`; stored as
  SHA-256, revocable, expiring); never in the query string; no HTTP Basic. A logged-in staff session may call it
  too, scoped to the user's township/industries.
* Read-only: anything but GET/HEAD is 405.
* Masking: ID numbers `500101********123X`, phones `138****1234`, unless the client holds `read_unmasked`; staff
  sessions are always masked.
* Throttling per client: 429 with `Retry-After`.
* Parameters: an unknown, empty or repeated query parameter is a 400 (a mistyped or unfilled filter never
  silently widens what is returned).
* Errors: `{"message": Chinese text, "fields": {parameter: [messages]}}`.
* Every call is recorded (who, endpoint, filters, number of records, fields) and kept at least three years
  (PIPL art. 56); every response is `Cache-Control: no-store`.
"""


def schema_describe(result, generator, request, public):
    """drf-spectacular post-processing hook: the long bilingual description of the whole API."""
    result.setdefault("info", {})["description"] = API_DESCRIPTION.strip()
    return result
