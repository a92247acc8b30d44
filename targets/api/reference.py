"""GET /api/v1/townships/ and /api/v1/industries/: the org units and their target of every plan year.

Reference data, the same for every authorised caller: all 52 townships and the 12 industries of annex 2
plus 其他行业, each with one target per plan year (null when none is set), listed whole and not paginated.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.response import Response
from rest_framework.views import APIView

from wanzhou_jobs.api import ApiEndpoint, error_responses

from ..models import Industry, IndustryTarget, Township, TownshipTarget
from ._common import _plan_years
from .schema import (
    INDUSTRIES_EXAMPLE,
    TOWNSHIPS_EXAMPLE,
    IndustryListSerializer,
    TownshipListSerializer,
)


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
