"""The shared pieces of the REST API (DESIGN.md §6, THREATS.md B): authentication, permission, throttle,
exception handler, keyset cursors, the sync horizon and the access log.

DRF's defaults are open; here they are closed (settings `REST_FRAMEWORK` points at these classes):

* authentication: `Authorization: Token <key>` for client systems (SHA-256 of the key looked up; revoked or
  expired → 401; a token in the query string → 401) and the staff session; never HTTP Basic;
* permission: authenticated, in scope, and read-only — every endpoint answers GET/HEAD only (405 otherwise);
* throttle: per client (its own `throttle_rate`, else `API_THROTTLE_RATE`), per staff user otherwise; 429
  carries `Retry-After`;
* errors: one JSON shape `{"message": …, "fields": {…}}`, Chinese messages, never a traceback;
* every response is `Cache-Control: no-store` and leaves one `ApiAccessLog` row (PIPL art. 56).

Client systems are district-wide; a staff session sees what `targets.scoping` lets that user see, always
masked. A token never creates a session.
"""

import base64
import binascii
import hashlib
import logging
import re
import secrets
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from targets.models import ApiAccessLog, ApiClient
from targets.scoping import Scope, scope_for, scope_queryset

logger = logging.getLogger("wanzhou_jobs.api")

TOKEN_KEYWORD = "Token"  # noqa: S105 - the header keyword, not a secret
TOKEN_PREFIX = "wzj_"  # noqa: S105 - a public prefix that secret scanners recognise
QUERY_TOKEN_PARAMS = ("token", "access_token", "api_key", "apikey", "key", "auth")

NOT_AUTHENTICATED = _("未提供身份认证信息：请在请求头中携带 Authorization: Token <令牌>。")
TOKEN_MALFORMED = _("Authorization 请求头格式错误，应为 “Token <令牌>”。")
TOKEN_INVALID = _("令牌无效。")
TOKEN_REVOKED = _("令牌已停用，请联系区人力社保局重新申请。")
TOKEN_EXPIRED = _("令牌已过期，请联系区人力社保局重新申请。")
TOKEN_IN_QUERY = _(
    "不接受在网址参数中传递令牌，请改用请求头 Authorization: Token <令牌>，并尽快更换已暴露的令牌。"
)
NO_API_ACCESS = _("您的账号没有使用数据接口的权限。")
READ_ONLY = _("数据接口只读，不支持 {method} 请求。")
THROTTLED = _("请求过于频繁，请在 {wait} 秒后重试。")
NOT_FOUND = _("未找到请求的资源。")
INVALID_REQUEST = _("请求参数有误。")
SERVER_ERROR = _("服务器内部错误，请稍后重试；如持续出现请联系系统管理员。")
UNKNOWN_PARAMS = _("不支持的查询参数：{names}。可用参数：{allowed}。")
PARAM_EMPTY = _("参数 {name} 的值为空：不需要这项过滤时请省略该参数。")
PARAM_REPEATED = _("参数 {name} 只能出现一次。")
CURSOR_INVALID = _("游标无效：请使用上一页返回的 cursor 或 next 原样调用。")
PAGE_SIZE_INVALID = _("page_size 应为 1 至 {max} 之间的整数。")

SCOPE_READ = ApiClient.Scope.READ
SCOPE_READ_UNMASKED = ApiClient.Scope.READ_UNMASKED
LAST_USED_RESOLUTION = timedelta(minutes=1)
DISTRICT_WIDE = Scope(role="api_client", all_townships=True, all_industries=True)

# Values of these parameters are written to the access log; of any other parameter only its name.
LOGGED_PARAMS = ("township", "industry", "year", "updated_since", "as_of", "page_size", "cursor")
_SENSITIVE_VALUE = re.compile(r"\d{11,}|\d{6,}[0-9Xx]\b")


# --- Tokens ----------------------------------------------------------------------------------------------


def token_generate() -> str:
    """A new client token: 32 random bytes, URL-safe, with a recognisable prefix for secret scanners."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ClientPrincipal:
    """`request.user` of a client-system request: authenticated, but no Django user and no session."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, client: ApiClient):
        self.client = client
        self.username = f"api:{client.name}"

    def get_username(self) -> str:
        return self.username

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return self.username


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>`, looked up by SHA-256; revoked or expired → 401; `?token=` → 401."""

    def authenticate(self, request):
        if any(name in request.query_params for name in QUERY_TOKEN_PARAMS):
            raise exceptions.AuthenticationFailed(TOKEN_IN_QUERY)
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        parts = header.split()
        if not parts or parts[0].lower() != TOKEN_KEYWORD.lower():
            return None  # another scheme (Basic, Bearer …): not ours, and no other class accepts it
        if len(parts) != 2 or len(parts[1]) > 200:
            raise exceptions.AuthenticationFailed(TOKEN_MALFORMED)
        client = ApiClient.objects.filter(token_hash=token_hash(parts[1])).first()
        if client is None:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        now = timezone.now()
        if client.revoked_at is not None:
            raise exceptions.AuthenticationFailed(TOKEN_REVOKED)
        if client.expires_at is not None and client.expires_at <= now:
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        if not client.has_scope(SCOPE_READ) and not client.has_scope(SCOPE_READ_UNMASKED):
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
            ApiClient.objects.filter(pk=client.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
            ).update(last_used_at=now)
        return ClientPrincipal(client), client

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return TOKEN_KEYWORD


class StaffSessionAuthentication(SessionAuthentication):
    """The staff session of the web pages; DRF enforces CSRF on unsafe methods (which are 405 anyway)."""


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "wanzhou_jobs.api.ApiTokenAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "客户端令牌，格式 `Token <令牌>`，由 `manage.py create_api_client` 生成；不接受网址参数中的令牌。"
                " / Client token as `Token <key>`, issued by `manage.py create_api_client`; never in the "
                "query string."
            ),
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "wanzhou_jobs.api.StaffSessionAuthentication"
    name = "StaffSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "已登录工作人员的会话，按其镇乡街道/行业范围过滤，始终脱敏。 / The session of a logged-in "
                "staff user, scoped to their township/industries, always masked."
            ),
        }


# --- Who is asking, and what they may see ------------------------------------------------------------------


def api_client(request) -> ApiClient | None:
    auth = getattr(request, "_auth", None)
    return auth if isinstance(auth, ApiClient) else None


def api_scope(request) -> Scope:
    """District-wide for a client system; `targets.scoping` for a staff session."""
    if api_client(request) is not None:
        return DISTRICT_WIDE
    return scope_for(request.user)


def api_scoped(queryset, request, *, township_field: str | None, industry_field: str | None):
    """`queryset` limited to what the requester may see: everything for a client system, the one scoping
    helper (`targets.scoping.scope_queryset`) for a staff session."""
    if api_client(request) is not None:
        return queryset
    return scope_queryset(
        queryset, request.user, township_field=township_field, industry_field=industry_field
    )


def api_unmasked(request) -> bool:
    """Full ID numbers and phone numbers only for a client holding `read_unmasked`; staff always masked."""
    client = api_client(request)
    return client is not None and client.has_scope(SCOPE_READ_UNMASKED)


class InScopeReadOnly(BasePermission):
    """Denies unless the requester is a live client or a staff user with a non-empty scope; read-only."""

    message = NO_API_ACCESS

    def has_permission(self, request, view) -> bool:
        if api_client(request) is not None:
            return True
        user = request.user
        if not getattr(user, "is_authenticated", False):
            raise exceptions.NotAuthenticated(NOT_AUTHENTICATED)
        return not scope_for(user).is_empty


class ReadOnlyMethods(BasePermission):
    """Runs after authentication: an authenticated write gets 405, not a silent 403."""

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS or request.method == "OPTIONS":
            raise exceptions.MethodNotAllowed(request.method)
        return True


class ApiRateThrottle(SimpleRateThrottle):
    """Per client (its `throttle_rate`, else `API_THROTTLE_RATE`), per staff user, else per IP."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def allow_request(self, request, view) -> bool:
        client = api_client(request)
        if client is not None and client.throttle_rate:
            self.rate = client.throttle_rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        client = api_client(request)
        if client is not None:
            ident = f"client-{client.pk}"
        elif getattr(request.user, "pk", None):
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle_api_{ident}"


# --- Errors ----------------------------------------------------------------------------------------------


class ApiValidationError(exceptions.ValidationError):
    """A 400 with a chosen message and per-field messages."""

    def __init__(self, message, fields: dict | None = None):
        super().__init__({"__message__": [str(message)], **{k: [str(v)] for k, v in (fields or {}).items()}})


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    out[f"{key}.{sub}"] = messages
            else:
                out[str(key)] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]} if detail else {}
    return {}


def exception_handler(exc, context):
    """The one DRF exception handler: `{"message": …, "fields": {…}}`, Chinese messages, no traceback."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or NO_API_ACCESS)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if exc.args else NOT_FOUND)
    from rest_framework.views import exception_handler as drf_exception_handler  # views imports this module

    response = drf_exception_handler(exc, context)
    if response is None:
        logging.getLogger("django.request").error(
            "Unhandled API error on %s", getattr(context.get("request"), "path", "?"), exc_info=exc
        )
        response = Response({"message": str(SERVER_ERROR), "fields": {}}, status=500)
        response.exception = True
        return response
    fields: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        own = fields.pop("__message__", None)
        if own:
            message = own[0]
        else:
            first = next(iter(fields.values()), [str(INVALID_REQUEST)])
            message = first[0] if len(fields) == 1 else f"{INVALID_REQUEST}{first[0]}"
    elif isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait) + 1 if exc.wait is not None else 60
        response["Retry-After"] = str(wait)
        message = THROTTLED.format(wait=wait)
    elif isinstance(exc, exceptions.MethodNotAllowed):
        method = context["request"].method if context.get("request") else ""
        message = READ_ONLY.format(method=method)
    elif isinstance(exc, exceptions.NotAuthenticated):
        message = str(NOT_AUTHENTICATED)
    elif isinstance(exc, exceptions.NotFound):
        detail = str(exc.detail)
        message = detail if detail != str(exceptions.NotFound.default_detail) else str(NOT_FOUND)
    else:
        message = str(exc.detail) if not isinstance(exc.detail, dict | list) else str(INVALID_REQUEST)
    response.data = {"message": str(message), "fields": fields}
    return response


# --- Query parameters, keyset cursors and the sync horizon --------------------------------------------------


def params_check(request, allowed: tuple[str, ...]) -> None:
    """400 for an unknown, empty or repeated parameter: a mistyped filter, or a filter whose value a client
    forgot to fill in (`?township=`), must not silently widen what a client syncs; nor may two values of
    one parameter leave it to the server which one counts."""
    params = request.query_params
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        names = "、".join(name[:40] for name in unknown[:5])
        raise ApiValidationError(
            UNKNOWN_PARAMS.format(names=names, allowed="、".join(allowed) or "无"),
            {name[:40]: _g("不支持的参数。") for name in unknown[:5]},
        )
    for name in params:
        values = params.getlist(name)
        if len(values) > 1:
            raise ApiValidationError(
                PARAM_REPEATED.format(name=name), {name: PARAM_REPEATED.format(name=name)}
            )
        if not values[0].strip():
            raise ApiValidationError(PARAM_EMPTY.format(name=name), {name: PARAM_EMPTY.format(name=name)})


def page_size_parse(value: str | None) -> int:
    """`page_size`: default `API_PAGE_SIZE`; above `API_MAX_PAGE_SIZE` it is capped (THREATS.md B11)."""
    maximum = settings.API_MAX_PAGE_SIZE
    if value in (None, ""):
        return settings.API_PAGE_SIZE
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if size < 1:
        raise ApiValidationError(
            PAGE_SIZE_INVALID.format(max=maximum), {"page_size": PAGE_SIZE_INVALID.format(max=maximum)}
        )
    return min(size, maximum)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR_RE = re.compile(r"^1\.(-?\d{1,17})\.(-1|0|1)\.(\d{1,19})$")


def cursor_encode(ts: datetime, rank: int, pk: int) -> str:
    """Opaque keyset position (timestamp to the microsecond, source rank, id) of the last item served."""
    micros = (ts - _EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"1.{micros}.{rank}.{pk}".encode()).decode().rstrip("=")


def cursor_decode(text: str) -> tuple[datetime, int, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raw = ""
    match = _CURSOR_RE.match(raw)
    if not match or len(text) > 80:
        raise ApiValidationError(CURSOR_INVALID, {"cursor": CURSOR_INVALID})
    try:
        ts = _EPOCH + timedelta(microseconds=int(match.group(1)))
    except OverflowError:
        raise ApiValidationError(CURSOR_INVALID, {"cursor": CURSOR_INVALID})
    return ts, int(match.group(2)), int(match.group(3))


def sync_horizon() -> datetime:
    """The newest timestamp a feed may serve: rows stamped later are held back.

    A row's `updated_at` is set before its transaction commits, so a slow transaction can commit a row whose
    timestamp a fast client's cursor has already passed ("commit skew"). Serving only rows older than
    `now − API_SYNC_LAG_SECONDS`, and on PostgreSQL also older than the start of the oldest transaction
    that is still writing to this database, closes that gap: a held-back row is served on a later call,
    never skipped. Assumes the web and worker clocks agree with each other (one NTP-synchronised host).
    """
    horizon = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )
            oldest = cursor.fetchone()[0]
        if oldest is not None and oldest < horizon:
            horizon = oldest
    return horizon - timedelta(seconds=settings.API_SYNC_LAG_SECONDS)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in the project's time zone (`2025-03-15T10:00:00.123456+08:00`)."""
    return timezone.localtime(value).isoformat() if value is not None else None


# --- Access log --------------------------------------------------------------------------------------------


def _log_text(value: str, limit: int) -> str:
    """Printable characters only (PostgreSQL JSON refuses NUL), ID-number-like digit runs masked."""
    text = "".join(char for char in value[:limit] if char.isprintable())
    return _SENSITIVE_VALUE.sub("***", text)


def _logged_query(request) -> dict:
    out = {}
    for name in request.query_params:
        if name in LOGGED_PARAMS:
            out[name] = _log_text(request.query_params.get(name, ""), 100)
        else:
            out[_log_text(name, 40)] = "***"
    return out


def access_log_record(
    request, *, endpoint: str, status: int, record_count: int | None, fields, started: float
):
    """Write the processing record of one request (PIPL art. 56); returns the row."""
    client = api_client(request)
    user = getattr(request, "_user", None)
    real_user = user if client is None and getattr(user, "pk", None) else None
    if client is not None:
        principal = f"client:{client.name}"
    elif real_user is not None:
        principal = f"user:{real_user.get_username()}"
    else:
        principal = "anonymous"
    return ApiAccessLog.objects.create(
        client=client,
        user=real_user,
        principal=principal[:160],
        endpoint=endpoint[:200],
        method=request.method[:10],
        query=_logged_query(request),
        status=status,
        record_count=record_count,
        fields=list(fields or []),
        unmasked=bool(record_count) and api_unmasked(request),
        ip=request.META.get("REMOTE_ADDR") or None,
        duration_ms=int((time.perf_counter() - started) * 1000),
        at=timezone.now(),
    )


class ApiEndpoint:
    """Mixin for every API view, before `APIView` (`class X(ApiEndpoint, APIView)`): read-only, no-store, JSON
    errors, one access-log row per request. (A mixin because `rest_framework.views` imports this module
    through the settings, so this module cannot import it.)

    A view sets `self.record_count` and `self.fields_returned` for the log; a streaming view sets
    `self.streaming = True` and updates its row through `self.access_log_finish(count)` when the stream ends.
    """

    permission_classes = [InScopeReadOnly, ReadOnlyMethods]
    metadata_class = None
    allowed_params: tuple[str, ...] = ()
    log_endpoint = ""

    def initial(self, request, *args, **kwargs):
        self._started = time.perf_counter()
        self.record_count = None
        self.fields_returned = []
        self.streaming = False
        self.access_log_id = None
        super().initial(request, *args, **kwargs)
        params_check(request, self.allowed_params + QUERY_TOKEN_PARAMS)

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(response, Response):
            # Errors are JSON whatever the endpoint streams on success.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        response["Pragma"] = "no-cache"
        started = getattr(self, "_started", None) or time.perf_counter()
        ok = response.status_code < 400
        try:
            row = access_log_record(
                request,
                endpoint=self.log_endpoint or request.path,
                status=response.status_code,
                record_count=getattr(self, "record_count", None) if ok else None,
                fields=getattr(self, "fields_returned", []) if ok else [],
                started=started,
            )
        except Exception:
            # No record, no data (fail closed): the processing record is a legal duty.
            logger.exception("API access log could not be written")
            response = Response({"message": str(SERVER_ERROR), "fields": {}}, status=500)
            return super().finalize_response(request, response, *args, **kwargs)
        self.access_log_id = row.pk
        return response

    def access_log_finish(self, count: int) -> None:
        if self.access_log_id is not None:
            ApiAccessLog.objects.filter(pk=self.access_log_id).update(
                record_count=count,
                duration_ms=int((time.perf_counter() - self._started) * 1000),
            )


# --- Documentation ---------------------------------------------------------------------------------------


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
        403: "账号无权使用数据接口。 / The account may not use the API.",
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
