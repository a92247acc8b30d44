"""OpenAPI description of the ledger feeds: serializers used for documentation only (rows are built by
`records.employment_row` / `records.worker_row`), parameters and examples, in Chinese and English."""

import json

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    PolymorphicProxySerializer,
)
from rest_framework import serializers

from targets.selectors import reference_spellings
from targets.services import FIXTURES_DIR
from workers.models import Category, EmploymentForm, Workplace

ID_NUMBER_HELP = (
    "公民身份号码；默认脱敏为前 6 位 + 8 个 * + 后 4 位（如 500101********123X），持 read_unmasked 权限的客户端"
    "得到完整号码。 / Citizen ID number, masked as the first 6 + eight `*` + the last 4 characters "
    "(e.g. 500101********123X) unless the client holds the read_unmasked scope."
)
PHONE_HELP = (
    "手机号码；默认脱敏为前 3 位 + **** + 后 4 位（如 138****1234），无号码时为 null。 / Mobile number, masked "
    "as 138****1234 unless the client holds read_unmasked; null when none."
)
CATEGORY_HELP = "人员类别（可多项）。 / Person categories (any number)."
CREATED_HELP = "创建时间，ISO 8601，北京时间。 / Created, ISO 8601, Beijing time (+08:00)."
UPDATED_HELP = (
    "最后修改时间，ISO 8601，北京时间；增量同步按 (updated_at, id) 排序。 / Last change, ISO 8601, Beijing "
    "time; the feed is ordered by (updated_at, id)."
)


class EmploymentRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="就业记录编号（稳定，不复用）。 / Employment id (stable, never reused)."
    )
    worker_id = serializers.IntegerField(
        help_text="农民工编号，对应 /workers/ 的 id。 / Worker id, as in /workers/."
    )
    id_number = serializers.CharField(min_length=18, max_length=18, help_text=ID_NUMBER_HELP)
    name = serializers.CharField(help_text="姓名。 / Name.")
    phone = serializers.CharField(allow_null=True, min_length=11, max_length=11, help_text=PHONE_HELP)
    township_code = serializers.CharField(
        help_text="就业时间当日户籍所在镇乡街道（该记录计入的镇乡街道）的 9 位统计用区划代码；此人之后迁移户籍不改变它。"
        " / 9-digit statistical division code of the township of household registration on the start date (where "
        "the job counts); a later move does not change it."
    )
    township_name = serializers.CharField(
        help_text="就业时间当日户籍所在镇乡街道名称。 / Township of household registration on the start date."
    )
    industry_code = serializers.CharField(
        help_text="就业行业代码（附件2，01–12；99 = 其他行业）。 / Industry code (annex 2, 01–12; 99 = other)."
    )
    industry_name = serializers.CharField(help_text="就业行业名称。 / Industry name.")
    workplace = serializers.ChoiceField(
        choices=Workplace.choices,
        help_text="就业地点：in_district 区内、in_city 区外市内、out_of_city 市外。 / Workplace: in the district, "
        "elsewhere in Chongqing, outside Chongqing.",
    )
    workplace_township_code = serializers.CharField(
        allow_null=True,
        help_text="区内就业地点的镇乡街道代码，区外为 null。 / Township code of an in-district workplace, else null.",
    )
    workplace_township_name = serializers.CharField(
        allow_null=True,
        help_text="区内就业地点的镇乡街道名称，区外为 null。 / Township of an in-district workplace, else null.",
    )
    form = serializers.ChoiceField(
        choices=EmploymentForm.choices, help_text="就业形式。 / Form of employment."
    )
    start_date = serializers.DateField(help_text="就业时间（开始日期）。 / Start date.")
    end_date = serializers.DateField(
        allow_null=True, help_text="离职时间，在职为 null。 / End date; null while employed."
    )
    returnee = serializers.BooleanField(
        help_text="是否回引返乡。 / Returnee (came back from outside the district)."
    )
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), help_text=CATEGORY_HELP
    )
    employer_name = serializers.CharField(help_text="就业单位名称。 / Employer name.")
    employer_credit_code = serializers.CharField(
        allow_null=True,
        help_text="就业单位统一社会信用代码，无则 null。 / Employer's unified social credit code, null when none.",
    )
    created_at = serializers.DateTimeField(help_text=CREATED_HELP)
    updated_at = serializers.DateTimeField(help_text=UPDATED_HELP)
    deleted = serializers.BooleanField(
        help_text="在册记录恒为 false（删除记录见墓碑）。 / Always false for a live record."
    )


class WorkerRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="农民工编号（稳定，不复用）。 / Worker id (stable, never reused)."
    )
    id_number = serializers.CharField(min_length=18, max_length=18, help_text=ID_NUMBER_HELP)
    name = serializers.CharField(help_text="姓名。 / Name.")
    phone = serializers.CharField(allow_null=True, min_length=11, max_length=11, help_text=PHONE_HELP)
    township_code = serializers.CharField(
        help_text="户籍所在镇乡街道的 9 位区划代码。 / 9-digit code of the township of household registration."
    )
    township_name = serializers.CharField(
        help_text="户籍所在镇乡街道名称。 / Township of household registration."
    )
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), help_text=CATEGORY_HELP
    )
    created_at = serializers.DateTimeField(help_text=CREATED_HELP)
    updated_at = serializers.DateTimeField(
        help_text=UPDATED_HELP
        + " 其就业记录变化时也会更新。 / Also moves when the worker's employments change."
    )
    deleted = serializers.BooleanField(help_text="在册记录恒为 false。 / Always false for a live record.")


class TombstoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="已删除（或随导入批次撤销）记录的编号。 / Id of the deleted (or rolled-back) record."
    )
    deleted = serializers.BooleanField(
        help_text="恒为 true：请在本地删除该编号的记录。 / Always true: delete this id locally."
    )
    deleted_at = serializers.DateTimeField(help_text="删除时间，ISO 8601。 / Deletion time, ISO 8601.")


def _page(component: str, record, title: str):
    class Page(serializers.Serializer):
        next = serializers.URLField(
            allow_null=True,
            help_text="下一页的完整网址；当前已无更多记录时为 null。 / URL of the next page; null when the feed is "
            "exhausted for now.",
        )
        cursor = serializers.CharField(
            help_text="续传游标：保存它，下次用 ?cursor=… 调用即可只取此后变化的记录（含墓碑）。 / Resume cursor: "
            "store it and call again with ?cursor=… to receive only what changed since (tombstones included)."
        )
        has_more = serializers.BooleanField(help_text="是否还有下一页。 / Whether another page follows now.")
        results = PolymorphicProxySerializer(
            component_name=f"{component}Item",
            serializers=[record, TombstoneSerializer],
            resource_type_field_name=None,
            many=True,
            help_text='本页记录，按 (updated_at, id) 排序；在册记录与墓碑 {"id", "deleted": true, "deleted_at"} '
            "混排，按 id 覆盖或删除本地副本。 / The page's items in (updated_at, id) order: live records and "
            'tombstones {"id", "deleted": true, "deleted_at"}; upsert or delete the local copy by id.',
        )

    Page.__name__ = f"{component}Page"
    Page.__doc__ = title
    return Page


EmploymentPageSerializer = _page(
    "EmploymentFeed",
    EmploymentRecordSerializer,
    "一页就业记录（含墓碑）。 / One page of employments (with tombstones).",
)
WorkerPageSerializer = _page(
    "WorkerFeed", WorkerRecordSerializer, "一页农民工（含墓碑）。 / One page of workers (with tombstones)."
)

# The accepted spellings, as enums: taken from the reference files, since the schema is built when the URLs
# load, without a database; a test holds them equal to the townships and industries of the database.
REFERENCE_SPELLINGS = reference_spellings(FIXTURES_DIR)

FILTER_PARAMETERS = [
    OpenApiParameter(
        "township",
        {"type": "string", "enum": REFERENCE_SPELLINGS["township"]},
        description="户籍所在镇乡街道：名称，或 9 位、12 位区划代码（含撤镇设街前的旧代码）；就业记录按就业时间当日的户籍筛选，"
        "农民工按现户籍筛选。 / Township of registration: name, or 9- or 12-digit division code (former codes "
        "accepted); employments by the registration on their start date, workers by the current one.",
        examples=[OpenApiExample("name", value="甘宁镇"), OpenApiExample("code", value="500101139")],
    ),
    OpenApiParameter(
        "industry",
        {"type": "string", "enum": REFERENCE_SPELLINGS["industry"]},
        description="就业行业：附件2 名称（可省略括号内文字和顿号）或代码（01–12、99，也可写作 1–12）。 / Industry: "
        "annex-2 name (with or without its parenthesis and enumeration commas) or code (01–12, 99; also 1–12).",
        examples=[OpenApiExample("name", value="制造业"), OpenApiExample("code", value="02")],
    ),
    OpenApiParameter(
        "year",
        {"type": "integer", "minimum": 2000, "maximum": 2100},
        description="就业时间所在年度（农民工：有一条该年开始的就业记录）。 / Year in which the employment starts "
        "(workers: having an employment starting in that year).",
        examples=[OpenApiExample("2025", value=2025)],
    ),
    OpenApiParameter(
        "updated_since",
        {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]},
        description="只返回此时刻及以后变化（含删除）的记录；ISO 8601，不带时区按北京时间，也接受日期。 / Only records "
        "changed (or deleted) at or after this instant; ISO 8601, naive = Beijing time; a date is accepted.",
        examples=[OpenApiExample("instant", value="2025-07-01T00:00:00+08:00")],
    ),
]
PAGE_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        {"type": "string", "minLength": 1, "maxLength": 80},
        description="上一页返回的 cursor（或 next 网址中的值），原样传回。 / The cursor returned by the previous "
        "page (or found in `next`), passed back unchanged.",
        examples=[OpenApiExample("cursor", value="MS4xNzQzNjcyMDYyMDAwMDAwLjEuMTI")],
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "default": settings.API_PAGE_SIZE},
        description=f"每页记录数，默认 {settings.API_PAGE_SIZE}，取值 1–{settings.API_MAX_PAGE_SIZE}：小于 1 按 1、"
        f"大于 {settings.API_MAX_PAGE_SIZE} 按 {settings.API_MAX_PAGE_SIZE} 处理，都不报错；不是整数则为 400。 / "
        f"Records per page, default {settings.API_PAGE_SIZE:,}, served within 1–{settings.API_MAX_PAGE_SIZE:,}: "
        f"a smaller value counts as 1 and a larger one as {settings.API_MAX_PAGE_SIZE:,}, neither is refused; "
        "a value that is no integer is a 400.",
        examples=[OpenApiExample("5000", value=5000)],
    ),
]


EMPLOYMENT_EXAMPLE = {
    "id": 1048,
    "worker_id": 733,
    "id_number": "500101********123X",
    "name": "王伟",
    "phone": "138****1234",
    "township_code": "500101139",
    "township_name": "甘宁镇",
    "industry_code": "02",
    "industry_name": "制造业",
    "workplace": "in_district",
    "workplace_township_code": "500101139",
    "workplace_township_name": "甘宁镇",
    "form": "单位就业",
    "start_date": "2025-03-15",
    "end_date": None,
    "returnee": True,
    "categories": ["脱贫人口"],
    "employer_name": "重庆万州某某机械有限公司",
    "employer_credit_code": "91500101MA5U000000",
    "created_at": "2025-03-20T09:12:33.104220+08:00",
    "updated_at": "2025-04-02T16:45:10.250031+08:00",
    "deleted": False,
}
TOMBSTONE_EXAMPLE = {"id": 977, "deleted": True, "deleted_at": "2025-04-03T10:01:02.000000+08:00"}
EMPLOYMENT_PAGE_EXAMPLE = OpenApiExample(
    "page",
    summary="一页：一条记录和一个墓碑 / a page with one record and one tombstone",
    value={
        "next": "https://jobs.example/api/v1/employments/?cursor=MS4xNzQzNjcyMDYyMDAwMDAwLjEuMTI&page_size=1000",
        "cursor": "MS4xNzQzNjcyMDYyMDAwMDAwLjEuMTI",
        "has_more": True,
        "results": [EMPLOYMENT_EXAMPLE, TOMBSTONE_EXAMPLE],
    },
    response_only=True,
    status_codes=[200],
)
WORKER_PAGE_EXAMPLE = OpenApiExample(
    "page",
    summary="一页农民工 / a page of workers",
    value={
        "next": None,
        "cursor": "MS4xNzQzNjcyMDYyMDAwMDAwLjAuNzMz",
        "has_more": False,
        "results": [
            {
                "id": 733,
                "id_number": "500101********123X",
                "name": "王伟",
                "phone": "138****1234",
                "township_code": "500101139",
                "township_name": "甘宁镇",
                "categories": ["脱贫人口"],
                "created_at": "2025-03-20T09:12:33.104220+08:00",
                "updated_at": "2025-04-02T16:45:10.250031+08:00",
                "deleted": False,
            },
            {"id": 12, "deleted": True, "deleted_at": "2025-04-03T10:01:02.000000+08:00"},
        ],
    },
    response_only=True,
    status_codes=[200],
)

FEED_DESCRIPTION = """
**增量同步 / Incremental sync.** 按 (updated_at, id) 排序的游标分页（键集分页，不用 OFFSET）。首次全量同步不带
cursor 依次取 `next` 直到 `next` 为 null；保存最后一页的 `cursor`，以后带 `?cursor=…`（及同样的过滤参数）再调用，
只会得到此后新增、修改或删除的记录。删除的记录（含导入批次撤销）以墓碑 `{"id", "deleted": true, "deleted_at"}`
按同一顺序出现（首次全量同步也会出现，本地没有的编号忽略即可）。一条记录在翻页期间被修改，会带着新的
updated_at 在后面再次出现：按 id 覆盖即可，不会漏也不会重。为避免迟提交的事务被跳过，只返回早于“当前时刻减
API_SYNC_LAG_SECONDS 秒（默认 2 秒）、且早于仍在写入的最早事务开始时刻”的记录，稍后的调用会补上。

Cursor (keyset) pagination ordered by (updated_at, id). A first full sync walks `next` until it is null; store
the last page's `cursor` and call again later with `?cursor=…` (and the same filters) to receive exactly the
records created, changed or deleted since. Deleted records — also those removed by rolling back an import —
come as tombstones `{"id", "deleted": true, "deleted_at"}` in the same order (also during a first full sync:
ignore ids you do not hold). A record changed while you page reappears later with its new updated_at: upsert by
id and nothing is missed or duplicated. Rows are served only once they are older than now − API_SYNC_LAG_SECONDS
(default 2 s) and older than the start of the oldest transaction still writing, so a late commit is never
skipped. Filtered feeds do not announce records that leave the filter (e.g. a changed industry); a district-wide
feed has no such gap.
"""

EXPORT_PARAMETERS = FILTER_PARAMETERS
EXPORT_DESCRIPTION = """
整个（按权限与过滤参数限定的）就业记录集合，流式输出，内存占用不随行数增长；只含在册记录，不含墓碑，顺序不保证。
响应头 `X-Sync-Updated-Since` 给出此后增量同步应使用的 `updated_since`。

The whole scoped (and filtered) set of live employments, streamed with flat memory; no tombstones, no guaranteed
order. The `X-Sync-Updated-Since` response header is the `updated_since` to continue with incremental sync.
"""
CSV_DESCRIPTION = (
    EXPORT_DESCRIPTION
    + """
CSV：UTF-8 带 BOM（Excel 可直接打开），首行为字段名；以 = + - @ 开头的姓名和单位名称前加 ' 以防公式注入；
人员类别以“、”分隔；布尔值为 true/false。 / UTF-8 with BOM, header row of field names; names and employer names
starting with = + - @ get a leading ' (no formula injection); categories joined by “、”; booleans true/false.
"""
)
NDJSON_DESCRIPTION = (
    EXPORT_DESCRIPTION
    + """
NDJSON：每行一个 JSON 对象，字段与 /employments/ 的记录相同（无 deleted 字段）。 / One JSON object per line, with
the fields of an /employments/ record (without `deleted`).
"""
)
STREAM_RESPONSE = OpenApiTypes.STR
FEED_RESPONSE_DESCRIPTION = (
    "一页记录；has_more 为 false 时保存 cursor 供下次增量同步。 / One page; when has_more is false, store "
    "`cursor` for the next incremental sync."
)
NDJSON_EXAMPLE = OpenApiExample(
    "ndjson",
    summary="每行一条记录 / one record per line",
    value=json.dumps({k: v for k, v in EMPLOYMENT_EXAMPLE.items() if k != "deleted"}, ensure_ascii=False)
    + "\n",
    response_only=True,
    status_codes=[200],
    media_type="application/x-ndjson",
)
CSV_EXAMPLE = OpenApiExample(
    "csv",
    summary="首行字段名 / header row, then one record per row",
    value=",".join(k for k in EMPLOYMENT_EXAMPLE if k != "deleted")
    + "\r\n"
    + "1048,733,500101********123X,王伟,138****1234,500101139,甘宁镇,02,制造业,in_district,500101139,甘宁镇,"
    "单位就业,2025-03-15,,true,脱贫人口,重庆万州某某机械有限公司,91500101MA5U000000,"
    "2025-03-20T09:12:33.104220+08:00,2025-04-02T16:45:10.250031+08:00\r\n",
    response_only=True,
    status_codes=[200],
    media_type="text/csv",
)
