"""Reference data of subsidies: the kinds of the plan and the city document, with their yearly caps.

`subsidy_kinds_load` runs from `load_reference_data` through the hook `targets` offers (see `apps.py`); it
creates what is missing and never touches a row that exists, so caps that bureau staff have set stay as they
are. `PLAN_YEARS` are the years of the plan, the ones forms and pages offer.
"""

from decimal import Decimal

from django.db import transaction

from targets.models import PlanYear

from ..models import PLAN_YEARS, RULE_SCOPES, Rule, SubsidyKind, SubsidyKindYear

# (code, name, rule, source, defaults of each plan year) — caps of the plan (task 7, task 3) and the city
# document's kinds, whose caps bureau staff set per year.
KINDS = [
    ("startup", "创业补贴", Rule.STARTUP, "万州人社发〔2025〕64号 任务七：最高8000元/户", {"cap": 8000}),
    ("hiring", "农民工就业补贴", Rule.HIRING, "万州人社发〔2025〕64号 任务七：最高1000元/人", {"cap": 1000}),
    (
        "loan_interest",
        "创业担保贷款贴息",
        Rule.LOAN_INTEREST,
        "万州人社发〔2025〕64号 任务七：个人最高30万元、小微企业最高400万元，贴息为实际利率的50%",
        {"principal_cap_individual": 300000, "principal_cap_enterprise": 4000000, "interest_share": "0.5"},
    ),
    (
        "park",
        "返乡创业园区补贴",
        Rule.PARK,
        "万州人社发〔2025〕64号 任务七：市级园区60万元/家一次性补贴，后续三年绩效奖补最高30万元",
        {"cap": 600000, "follow_up_cap": 300000},
    ),
    (
        "labour_brand",
        "劳务品牌奖补",
        Rule.LABOUR_BRAND,
        "万州人社发〔2025〕64号 任务三：最高50万元/个",
        {"cap": 500000},
    ),
    ("transport", "跨区域交通补助", Rule.YEARLY_CAP, "渝人社规〔2026〕6号 第（五）条", {}),
    ("public_welfare_post", "公益性岗位补贴", Rule.YEARLY_CAP, "渝人社规〔2026〕6号 第（十三）条", {}),
    ("social_insurance", "社会保险补贴", Rule.YEARLY_CAP, "渝人社规〔2026〕6号 第（十二）条", {}),
    ("job_seeking", "一次性求职补贴", Rule.YEARLY_CAP, "渝人社规〔2026〕6号 第（十一）条", {}),
    (
        "employment_service",
        "就业创业服务补助",
        Rule.SERVICE_AID,
        "渝人社规〔2026〕6号 第（九）条：对面向防止返贫致贫对象和继续帮扶对象开展有组织劳务输出的人力资源服务机构、"
        "劳务经纪人，按规定给予就业创业服务补助",
        {},
    ),
    (
        "assistance_workshop",
        "就业帮扶车间吸纳补助",
        Rule.WORKSHOP,
        "渝人社规〔2026〕6号 第（七）条：就业帮扶车间对吸纳防止返贫致贫对象和继续帮扶对象务工就业的按规定给予补助",
        {},
    ),
    (
        "rural_craftsman",
        "乡村工匠带动补贴",
        Rule.YEARLY_CAP,
        "渝人社规〔2026〕6号 第（十）条：支持乡村工匠……对带动防止返贫致贫对象和继续帮扶对象掌握传统技艺、"
        "务工就业增收的按规定给予补贴",
        {},
    ),
]


@transaction.atomic
def subsidy_kinds_load(summary=None) -> int:
    """Create the subsidy kinds and their yearly caps where missing; never touch a row that exists."""
    created_count = 0
    years = list(PlanYear.objects.values_list("year", flat=True)) or list(PLAN_YEARS)
    for order, (code, name, rule, source, defaults) in enumerate(KINDS, start=1):
        kind, created = SubsidyKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rule": rule,
                "source": source,
                "sort_order": order,
                "cap_scope": RULE_SCOPES[rule][0],
            },
        )
        created_count += created
        if summary is not None:
            summary.add("subsidy_kinds", created)
        for year in years:
            values = {key: Decimal(str(value)) for key, value in defaults.items()}
            _setting, created = SubsidyKindYear.objects.get_or_create(kind=kind, year=year, defaults=values)
            created_count += created
            if summary is not None:
                summary.add("subsidy_kind_years", created)
    return created_count
