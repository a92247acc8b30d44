"""GET /api/v1/progress/: the year's progress of the district, every township and every industry.

The numbers are the dashboard's: `selectors_dashboard.dashboard_progress` returns the stored snapshot of the
year, or — for an explicit `as_of` other than the snapshot's — one built live by the same engine. The
response keeps exactly the contract's keys. A staff session sees the township and industry rows its scope
allows (`targets.scoping`); district totals are aggregates and shown to every authorised caller.
"""

from datetime import date

from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from wanzhou_jobs.api import ApiEndpoint, ApiValidationError, api_client, error_responses, iso

from ..models import Industry, Township
from ..scoping import visible_industries, visible_townships
from ..selectors_dashboard import dashboard_progress
from ._common import _plan_years
from .schema import PROGRESS_EXAMPLE, ProgressSerializer

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
