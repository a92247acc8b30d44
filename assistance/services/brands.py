"""Labour brands and carriers of employment — gig markets and the other carriers of plan task (五) (issues 9, 20), the bureau's reference lists. Their names are what clerks put in
an employment's channel, which is how `assistance.selectors.brands` counts the people they brought into work;
only bureau staff change them, and `brands_load` seeds the brands the plan names.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.models import KeyTaskIndicator, KeyTaskTarget, PlanYear, Township

from ..models import Carrier, CarrierKind, LabourBrand
from ._common import _ensure_bureau, _text

BRAND_EXISTS = _("劳务品牌“{name}”已存在。")
CARRIER_EXISTS = _("就业载体“{name}”已存在。")
CARRIER_KIND_INVALID = _(
    "载体类别只能是零工市场（驿站）、创业孵化基地、农民工返乡创业园或充分就业社区（村）。"
)


@transaction.atomic
def brand_save(
    *, acting_user, name: str, description: str = "", active: bool = True, brand=None
) -> LabourBrand:
    """Add (or change) a labour brand; its name is what clerks put in the employment's channel."""
    _ensure_bureau(acting_user)
    name = _text(name, label=_("品牌名称"), max_length=50, required=True, field="name")
    if LabourBrand.objects.filter(name=name).exclude(pk=getattr(brand, "pk", None)).exists():
        raise ValidationError({"name": BRAND_EXISTS.format(name=name)})
    brand = brand or LabourBrand()
    brand.name, brand.description, brand.active = name, (description or "").strip()[:200], active
    brand.save()
    return brand


@transaction.atomic
def carrier_save(
    *,
    acting_user,
    name: str,
    kind: str = CarrierKind.GIG_MARKET,
    township: Township | None = None,
    address: str = "",
    active: bool = True,
    carrier=None,
) -> Carrier:
    """Add (or change) a carrier of employment (plan task 五); its name is what clerks put in the channel."""
    _ensure_bureau(acting_user)
    name = _text(name, label=_("名称"), max_length=50, required=True, field="name")
    if kind not in CarrierKind.values:
        raise ValidationError({"kind": CARRIER_KIND_INVALID})
    if Carrier.objects.filter(name=name).exclude(pk=getattr(carrier, "pk", None)).exists():
        raise ValidationError({"name": CARRIER_EXISTS.format(name=name)})
    carrier = carrier or Carrier()
    carrier.name, carrier.kind, carrier.township, carrier.address, carrier.active = (
        name,
        kind,
        township,
        (address or "").strip()[:200],
        active,
    )
    carrier.save()
    return carrier


#: The brands the plan names in task (三); more are added by bureau staff.
PLAN_BRANDS = ("三峡季工", "三峡保安", "万州面厨", "鲁渝无人机操控师")


def brands_load(summary=None) -> int:
    """Create the plan's labour brands where missing (idempotent; part of `load_reference_data`)."""
    created = 0
    for name in PLAN_BRANDS:
        _brand, was_created = LabourBrand.objects.get_or_create(name=name)
        created += int(was_created)
        if summary is not None:
            summary.add("labour_brands", was_created)
    return created


#: Plan task (五): "升级打造零工市场（驿站）5家" — the gig markets' own indicator (issue 20, item 8).
PLAN_GIG_MARKETS = 5
GIG_MARKETS_INDICATOR = "gig-markets"


def carriers_load(summary=None) -> int:
    """The key-task indicator of the plan's 5 gig markets and its yearly target, where missing (idempotent;
    part of `load_reference_data`, after the plan's indicators). It sits beside the ≥ 1,000 indicator."""

    beside = KeyTaskIndicator.objects.filter(code="gig-market-employment").first()
    indicator, created = KeyTaskIndicator.objects.get_or_create(
        code=GIG_MARKETS_INDICATOR,
        defaults={
            "name": "升级打造零工市场（驿站）",
            "task": beside.task if beside else "（五）搭建公共平台，促进就近就业",
            "unit": "家",
            "kind": KeyTaskIndicator.Kind.COUNT,
            "sort_order": beside.sort_order if beside else 0,
        },
    )
    if summary is not None:
        summary.add("key_task_indicators", created)
    for plan_year in PlanYear.objects.all():
        _target, was_created = KeyTaskTarget.objects.get_or_create(
            plan_year=plan_year, indicator=indicator, defaults={"target": PLAN_GIG_MARKETS}
        )
        created |= was_created
        if summary is not None:
            summary.add("key_task_targets", was_created)
    return int(created)
