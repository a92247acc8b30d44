"""REST API of org units and progress (DESIGN.md §6): /api/v1/progress/, /townships/, /industries/; and the
writes behind the `create_api_client` / `revoke_api_client` commands.

Progress numbers are the dashboard's: `selectors_dashboard.dashboard_progress` returns the stored snapshot
of the year, or — for an explicit `as_of` other than the snapshot's — one built live by the same engine.
The response keeps exactly the contract's keys. A staff session sees the township and industry rows its
scope allows (`targets.scoping`); district totals are aggregates and shown to every authorised caller.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from wanzhou_jobs.api import (
    ApiEndpoint,
    ApiValidationError,
    api_client,
    error_responses,
    iso,
    token_generate,
    token_hash,
)

from .models import ApiClient, Industry, IndustryTarget, PlanYear, Township, TownshipTarget
from .scoping import visible_industries, visible_townships
from .selectors_dashboard import dashboard_progress

CLIENT_NAME_REQUIRED = _("请填写客户端名称。")
CLIENT_NAME_TAKEN = _("客户端“{name}”已存在；如需新令牌，请先停用旧客户端，再用新名称创建。")
CLIENT_UNKNOWN = _("找不到客户端“{name}”。")
CLIENT_DAYS_INVALID = _("有效天数应为 0（不过期）或正整数。")
CLIENT_RATE_INVALID = _("限流格式应为“次数/second|minute|hour|day”，如 600/minute。")

YEAR_REQUIRED = _("请用 year 参数指定年度，如 ?year=2025。")
YEAR_INVALID = _("year 应为四位年份，如 2025。")
YEAR_UNKNOWN = _("没有 {year} 年度的计划目标（计划年度：{years}）。")
AS_OF_INVALID = _("as_of 应为 {year} 年内的日期，格式“年-月-日”，如 {year}-06-30。")

DISTRICT_KEYS = (
    "target",
    "count",
    "completion_rate",
    "returnee_target",
    "returnee_count",
    "cumulative_target",
    "cumulative_count",
    "distinct_people",
)
UNIT_KEYS = ("code", "name", "target", "count", "completion_rate", "lagging", "seriously_lagging")


# --- API clients (writes) ------------------------------------------------------------------------------


def _rate_valid(rate: str) -> bool:
    number, _sep, period = rate.partition("/")
    return (
        number.isdigit()
        and int(number) > 0
        and period in {"second", "minute", "hour", "day", "s", "m", "h", "d"}
    )


@transaction.atomic
def api_client_create(
    *, name: str, unmasked: bool = False, days: int | None = None, throttle_rate: str = ""
) -> tuple[ApiClient, str]:
    """Create a client system and its token; the token is returned once and only its SHA-256 is stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(CLIENT_NAME_REQUIRED)
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError(CLIENT_NAME_TAKEN.format(name=name))
    days = settings.API_TOKEN_DAYS if days is None else days
    if days < 0:
        raise ValidationError(CLIENT_DAYS_INVALID)
    throttle_rate = (throttle_rate or "").strip()
    if throttle_rate and not _rate_valid(throttle_rate):
        raise ValidationError(CLIENT_RATE_INVALID)
    token = token_generate()
    scopes = [ApiClient.Scope.READ] + ([ApiClient.Scope.READ_UNMASKED] if unmasked else [])
    client = ApiClient.objects.create(
        name=name,
        token_hash=token_hash(token),
        token_prefix=token[:12],
        scopes=[str(s) for s in scopes],
        throttle_rate=throttle_rate,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return client, token


@transaction.atomic
def api_client_revoke(*, name: str) -> tuple[ApiClient, bool]:
    """Revoke a client (its token stops working at once). Returns (client, whether it was active)."""
    client = ApiClient.objects.select_for_update().filter(name=(name or "").strip()).first()
    if client is None:
        raise ValidationError(CLIENT_UNKNOWN.format(name=(name or "").strip()[:80]))
    if client.revoked_at is not None:
        return client, False
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    return client, True


# --- Documentation serializers ---------------------------------------------------------------------------

TARGET_HELP = "年度目标（人）；未分解目标为 null。 / Annual target (people); null when none is set."
COUNT_HELP = "新增农民工就近就业人数（DESIGN.md §4.3）。 / New nearby employment (people, DESIGN.md §4.3)."
RATE_HELP = "完成率 = 人数 ÷ 目标（0–1+，4 位小数）；无目标为 null。 / Completion = count ÷ target; null without target."


class DistrictProgressSerializer(serializers.Serializer):
    target = serializers.IntegerField(allow_null=True, help_text="全区年度目标。 / District annual goal.")
    count = serializers.IntegerField(help_text=COUNT_HELP)
    completion_rate = serializers.FloatField(allow_null=True, help_text=RATE_HELP)
    returnee_target = serializers.IntegerField(
        allow_null=True, help_text="回引返乡就业创业年度目标。 / Returnee goal of the year."
    )
    returnee_count = serializers.IntegerField(
        help_text="回引返乡就业创业人数（§4.5）。 / Returnees in the year (§4.5)."
    )
    cumulative_target = serializers.IntegerField(
        allow_null=True, help_text="2025 年至本年累计目标。 / Cumulative goal from 2025 to this year."
    )
    cumulative_count = serializers.IntegerField(
        help_text="2025 年至本年各年人数之和（§4.4）。 / Sum of the yearly counts since 2025 (§4.4)."
    )
    distinct_people = serializers.IntegerField(
        help_text="累计期间不重复人数。 / Distinct people over the cumulative period."
    )


class UnitProgressSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="代码。 / Code.")
    name = serializers.CharField(help_text="名称。 / Name.")
    target = serializers.IntegerField(allow_null=True, help_text=TARGET_HELP)
    count = serializers.IntegerField(help_text=COUNT_HELP)
    completion_rate = serializers.FloatField(allow_null=True, help_text=RATE_HELP)
    lagging = serializers.BooleanField(
        help_text="滞后：完成率低于时序进度（§4.7）；无目标为 false。 / Lagging: completion below time progress."
    )
    seriously_lagging = serializers.BooleanField(
        help_text="严重滞后：完成率低于时序进度的 80%。 / Seriously lagging: below 80 % of time progress."
    )


class IndustryProgressSerializer(UnitProgressSerializer):
    lead_department = serializers.CharField(help_text="牵头部门（附件2）。 / Lead department (annex 2).")


class ProgressSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="年度。 / Year.")
    as_of = serializers.DateField(help_text="统计截止日。 / Counted up to and including this date.")
    time_progress = serializers.FloatField(
        help_text="时序进度 = 已过天数（含当日）÷ 全年天数。 / Days elapsed including as_of ÷ days in the year."
    )
    computed_at = serializers.DateTimeField(
        help_text="数字的计算时间（快照或实时），ISO 8601。 / When the numbers were computed, ISO 8601."
    )
    district = DistrictProgressSerializer(help_text="全区合计。 / District totals.")
    townships = UnitProgressSerializer(
        many=True,
        help_text="各镇乡街道，含无目标的街道（target 为 null）。 / Per township, no-target ones included.",
    )
    industries = IndustryProgressSerializer(
        many=True, help_text="各行业，含其他行业（target 为 null）。 / Per industry, 其他行业 included."
    )


class YearTargetSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="计划年度。 / Plan year.")
    target = serializers.IntegerField(allow_null=True, help_text=TARGET_HELP)


class TownshipSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="9 位统计用区划代码。 / 9-digit statistical division code.")
    name = serializers.CharField(help_text="名称。 / Name.")
    kind = serializers.ChoiceField(
        choices=Township.Kind.choices, help_text="街道、镇或乡。 / Street, town or township."
    )
    former_code = serializers.CharField(
        allow_null=True,
        help_text="撤镇设街前的旧代码，也可用于过滤。 / Former code, also accepted as a filter.",
    )
    in_plan = serializers.BooleanField(
        help_text="是否列入附件1（分解了目标）。 / Listed in annex 1 (has targets)."
    )
    targets = YearTargetSerializer(many=True, help_text="各计划年度目标。 / Target per plan year.")


class IndustrySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="行业代码（01–12，99 = 其他行业）。 / Industry code (99 = other).")
    name = serializers.CharField(help_text="名称。 / Name.")
    lead_department = serializers.CharField(help_text="牵头部门。 / Lead department.")
    gb_sections = serializers.CharField(help_text="GB/T 4754-2017 门类。 / GB/T 4754-2017 sections.")
    gb_divisions = serializers.CharField(help_text="GB/T 4754-2017 大类。 / GB/T 4754-2017 divisions.")
    in_plan = serializers.BooleanField(help_text="是否列入附件2。 / Listed in annex 2.")
    targets = YearTargetSerializer(many=True, help_text="各计划年度目标。 / Target per plan year.")


def _list_serializer(name: str, item):
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(help_text="条数。 / Number of rows."),
            "results": item(many=True, help_text="全部条目（不分页）。 / All rows (not paginated)."),
        },
    )


TownshipListSerializer = _list_serializer("TownshipList", TownshipSerializer)
IndustryListSerializer = _list_serializer("IndustryList", IndustrySerializer)

PROGRESS_EXAMPLE = {
    "year": 2025,
    "as_of": "2025-06-30",
    "time_progress": 0.4959,
    "computed_at": "2025-06-30T01:30:02.512000+08:00",
    "district": {
        "target": 15000,
        "count": 8123,
        "completion_rate": 0.5415,
        "returnee_target": 6000,
        "returnee_count": 2811,
        "cumulative_target": 15000,
        "cumulative_count": 8123,
        "distinct_people": 8123,
    },
    "townships": [
        {
            "code": "500101139",
            "name": "甘宁镇",
            "target": 730,
            "count": 301,
            "completion_rate": 0.4123,
            "lagging": True,
            "seriously_lagging": False,
        },
        {
            "code": "500101001",
            "name": "高笋塘街道",
            "target": None,
            "count": 57,
            "completion_rate": None,
            "lagging": False,
            "seriously_lagging": False,
        },
    ],
    "industries": [
        {
            "code": "02",
            "name": "制造业",
            "target": 3000,
            "count": 1702,
            "completion_rate": 0.5673,
            "lagging": False,
            "seriously_lagging": False,
            "lead_department": "万州经开区经济运行局、区经济信息委",
        }
    ],
}


_EXAMPLE_TARGETS = [
    {"year": 2025, "target": 730},
    {"year": 2026, "target": 730},
    {"year": 2027, "target": 730},
]
TOWNSHIPS_EXAMPLE = {
    "count": 52,
    "results": [
        {
            "code": "500101139",
            "name": "甘宁镇",
            "kind": "镇",
            "former_code": None,
            "in_plan": True,
            "targets": _EXAMPLE_TARGETS,
        },
        {
            "code": "500101001",
            "name": "高笋塘街道",
            "kind": "街道",
            "former_code": None,
            "in_plan": False,
            "targets": [{"year": y, "target": None} for y in (2025, 2026, 2027)],
        },
    ],
}
INDUSTRIES_EXAMPLE = {
    "count": 13,
    "results": [
        {
            "code": "02",
            "name": "制造业",
            "lead_department": "万州经开区经济运行局、区经济信息委",
            "gb_sections": "C",
            "gb_divisions": "13-43",
            "in_plan": True,
            "targets": [{"year": y, "target": 3000} for y in (2025, 2026, 2027)],
        }
    ],
}


# --- Views -----------------------------------------------------------------------------------------------


def _plan_years() -> list[int]:
    return list(PlanYear.objects.order_by("year").values_list("year", flat=True))


def _visible_codes(request, model) -> set[str] | None:
    """Codes of the rows a staff session may see (None: all); client systems are district-wide."""
    if api_client(request) is not None:
        return None
    visible = visible_townships(request.user) if model is Township else visible_industries(request.user)
    if visible.count() == model.objects.count():
        return None
    return set(visible.values_list("code", flat=True))


def _progress_params(request) -> tuple[int, date | None]:
    raw_year = request.query_params.get("year", "").strip()
    if not raw_year:
        raise ApiValidationError(YEAR_REQUIRED, {"year": YEAR_REQUIRED})
    if not (raw_year.isascii() and raw_year.isdigit() and len(raw_year) == 4):
        raise ApiValidationError(YEAR_INVALID, {"year": YEAR_INVALID})
    year = int(raw_year)
    years = _plan_years()
    if year not in years:
        raise NotFound(YEAR_UNKNOWN.format(year=year, years="、".join(str(y) for y in years) or "无"))
    raw_as_of = request.query_params.get("as_of", "").strip()
    if not raw_as_of:
        return year, None
    message = AS_OF_INVALID.format(year=year)
    try:
        as_of = parse_date(raw_as_of[:20]) if len(raw_as_of) == 10 else None
    except ValueError:
        as_of = None
    if as_of is None or as_of.year != year:
        raise ApiValidationError(message, {"as_of": message})
    return year, as_of


@extend_schema_view(
    get=extend_schema(
        operation_id="progress_retrieve",
        summary="目标进度 / Progress against targets",
        description=(
            "全区、各镇乡街道、各行业的年度进度，与看板快照的数字完全一致；给出 as_of（须在该年度内）时按该日重新统计。"
            "无目标的镇乡街道和其他行业也列出，target 为 null。\n\n"
            "District, township and industry progress of a year — the same numbers as the dashboard snapshot; with "
            "`as_of` (inside the year) counted as of that date. Rows without a target are listed with `target: null`."
        ),
        parameters=[
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": 2000, "maximum": 2100},
                required=True,
                description="计划年度（2025–2027）。 / Plan year (2025–2027).",
                examples=[OpenApiExample("2025", value=2025)],
            ),
            OpenApiParameter(
                "as_of",
                {"type": "string", "format": "date"},
                description="统计截止日，默认为快照的截止日（当年为今天，往年为 12 月 31 日）。 / Count up to this date; "
                "default: the snapshot's (today, or 31 December of a past year).",
                examples=[OpenApiExample("date", value="2025-06-30")],
            ),
        ],
        responses={
            200: OpenApiResponse(
                ProgressSerializer,
                description="该年度的进度，与看板一致。 / The year's progress, as on the dashboard.",
                examples=[OpenApiExample("2025", value=PROGRESS_EXAMPLE, response_only=True)],
            ),
            **error_responses(400, 401, 403, 404, 429),
        },
        tags=["progress"],
    )
)
class ProgressView(ApiEndpoint, APIView):
    allowed_params = ("year", "as_of")
    log_endpoint = "api/v1/progress/"

    def get(self, request):
        year, as_of = _progress_params(request)
        progress = dashboard_progress(year=year, as_of=as_of)
        data = progress.data
        townships_visible = _visible_codes(request, Township)
        industries_visible = _visible_codes(request, Industry)
        body = {
            "year": year,
            "as_of": progress.as_of.isoformat(),
            "time_progress": data["time_progress"],
            "computed_at": iso(progress.computed_at),
            "district": {key: data["district"].get(key) for key in DISTRICT_KEYS},
            "townships": [
                {key: row.get(key) for key in UNIT_KEYS}
                for row in data["townships"]
                if townships_visible is None or row["code"] in townships_visible
            ],
            "industries": [
                {
                    **{key: row.get(key) for key in UNIT_KEYS},
                    "lead_department": row.get("lead_department", ""),
                }
                for row in data["industries"]
                if industries_visible is None or row["code"] in industries_visible
            ],
        }
        self.record_count = len(body["townships"]) + len(body["industries"])
        self.fields_returned = ["district", *UNIT_KEYS, "lead_department"]
        return Response(body)


def _targets_by_unit(model, field: str) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = {}
    for unit_id, year, target in model.objects.values_list(field, "plan_year_id", "target"):
        out.setdefault(unit_id, {})[year] = target
    return out


@extend_schema_view(
    get=extend_schema(
        operation_id="townships_list",
        summary="镇乡街道及年度目标 / Townships with targets",
        description="全部 52 个镇乡街道及各计划年度目标（无目标为 null）。 / All 52 townships with the target of "
        "each plan year (null when none).",
        responses={
            200: OpenApiResponse(
                TownshipListSerializer,
                description="全部镇乡街道，不分页。 / All townships, not paginated.",
                examples=[OpenApiExample("townships", value=TOWNSHIPS_EXAMPLE, response_only=True)],
            ),
            **error_responses(400, 401, 403, 429),
        },
        tags=["reference"],
    )
)
class TownshipListView(ApiEndpoint, APIView):
    log_endpoint = "api/v1/townships/"

    def get(self, request):
        years = _plan_years()
        targets = _targets_by_unit(TownshipTarget, "township_id")
        rows = [
            {
                "code": t.code,
                "name": t.name,
                "kind": t.kind,
                "former_code": t.former_code or None,
                "in_plan": t.in_plan,
                "targets": [{"year": y, "target": targets.get(t.pk, {}).get(y)} for y in years],
            }
            for t in Township.objects.order_by("code")
        ]
        self.record_count = len(rows)
        self.fields_returned = ["code", "name", "kind", "former_code", "in_plan", "targets"]
        return Response({"count": len(rows), "results": rows})


@extend_schema_view(
    get=extend_schema(
        operation_id="industries_list",
        summary="行业及年度目标 / Industries with targets",
        description="附件2 的 12 个行业和其他行业，及各计划年度目标（无目标为 null）。 / The 12 industries of annex 2 "
        "and 其他行业, with the target of each plan year (null when none).",
        responses={
            200: OpenApiResponse(
                IndustryListSerializer,
                description="全部行业，不分页。 / All industries, not paginated.",
                examples=[OpenApiExample("industries", value=INDUSTRIES_EXAMPLE, response_only=True)],
            ),
            **error_responses(400, 401, 403, 429),
        },
        tags=["reference"],
    )
)
class IndustryListView(ApiEndpoint, APIView):
    log_endpoint = "api/v1/industries/"

    def get(self, request):
        years = _plan_years()
        targets = _targets_by_unit(IndustryTarget, "industry_id")
        rows = [
            {
                "code": i.code,
                "name": i.name,
                "lead_department": i.lead_department,
                "gb_sections": i.gb_sections,
                "gb_divisions": i.gb_divisions,
                "in_plan": i.in_plan,
                "targets": [{"year": y, "target": targets.get(i.pk, {}).get(y)} for y in years],
            }
            for i in Industry.objects.order_by("code")
        ]
        self.record_count = len(rows)
        self.fields_returned = [
            "code",
            "name",
            "lead_department",
            "gb_sections",
            "gb_divisions",
            "in_plan",
            "targets",
        ]
        return Response({"count": len(rows), "results": rows})


app_name = "targets_api"

urlpatterns = [
    path("progress/", ProgressView.as_view(), name="progress"),
    path("townships/", TownshipListView.as_view(), name="townships"),
    path("industries/", IndustryListView.as_view(), name="industries"),
]
