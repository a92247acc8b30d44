"""Documentation serializers and response examples of the progress and reference endpoints.

Nothing here validates or renders a response: the views build plain dicts with exactly the contract's keys,
and these classes and examples exist only for drf-spectacular (`/api/schema/`, the Swagger and ReDoc
pages). Help texts are bilingual, Chinese first; the component names come from the class names, so
renaming a class changes the published schema.
"""

from rest_framework import serializers

from ..models import Township

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
