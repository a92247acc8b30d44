"""Issue 20, data: each kind's cap scope as the plan writes it, and the market entity of every startup application.

创业补贴 "对符合条件的农村自主创业者和返乡农民工创办市场主体，给予最高8000元/户的创业补贴": 户 is the market
entity created, so each startup application is keyed by the 统一社会信用代码 of the employer of its 自主创业
employment (every one had such a code: the old evidence check required it). 农民工就业补贴 "最高1000元/人":
no yearly renewal, so once per worker over the plan. Both changes are logged as `CapScopeChange` rows without a
user. Amounts approved before stay as they were: the new scopes never touch an application's own amount.
"""

from django.db import migrations

DEFAULT_SCOPES = {
    "startup": "entity_plan",
    "hiring": "person_plan",
    "loan_interest": "fixed",
    "park": "fixed",
    "labour_brand": "subject_plan",
    "yearly_cap": "applicant_year",
}
# The reading each rule had before, where it differs from its new scope ("" when no scope value names it).
CHANGED = {
    "startup": (
        "",
        "迁移（issue 20）：按万州人社发〔2025〕64号任务七原文“对符合条件的农村自主创业者和返乡农民工创办市场主体，"
        "给予最高8000元/户的创业补贴”，“户”指所创办的市场主体，上限由按家庭户合计改为按市场主体合计。",
    ),
    "hiring": (
        "person_year",
        "迁移（issue 20）：万州人社发〔2025〕64号任务七“最高1000元/人的农民工就业补贴”未规定每年可再次申领，"
        "上限由每人每年一次改为方案期内每人一次（不论用人单位）。",
    ),
}


def forward(apps, schema_editor):
    SubsidyKind = apps.get_model("subsidies", "SubsidyKind")
    CapScopeChange = apps.get_model("subsidies", "CapScopeChange")
    Application = apps.get_model("subsidies", "Application")
    for kind in SubsidyKind.objects.all():
        scope = DEFAULT_SCOPES.get(kind.rule, "applicant_year")
        SubsidyKind.objects.filter(pk=kind.pk).update(cap_scope=scope)
        if kind.rule in CHANGED:
            before, reason = CHANGED[kind.rule]
            CapScopeChange.objects.create(kind=kind, from_scope=before, to_scope=scope, reason=reason)
    startups = Application.objects.filter(kind__rule="startup", employment__isnull=False).exclude(
        employment__employer__credit_code=""
    )
    for application_id, code in startups.values_list("pk", "employment__employer__credit_code").iterator():
        Application.objects.filter(pk=application_id).update(entity_code=code)


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0003_cap_scope_and_market_entity")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
