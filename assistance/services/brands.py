"""Labour brands and gig markets (issue 9), the bureau's reference lists. Their names are what clerks put in
an employment's channel, which is how `assistance.selectors.brands` counts the people they brought into work;
only bureau staff change them, and `brands_load` seeds the brands the plan names.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.models import Township

from ..models import GigMarket, LabourBrand
from ._common import _ensure_bureau, _text

BRAND_EXISTS = _("劳务品牌“{name}”已存在。")
MARKET_EXISTS = _("零工市场“{name}”已存在。")


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
def market_save(
    *,
    acting_user,
    name: str,
    township: Township | None = None,
    address: str = "",
    active: bool = True,
    market=None,
) -> GigMarket:
    _ensure_bureau(acting_user)
    name = _text(name, label=_("名称"), max_length=50, required=True, field="name")
    if GigMarket.objects.filter(name=name).exclude(pk=getattr(market, "pk", None)).exists():
        raise ValidationError({"name": MARKET_EXISTS.format(name=name)})
    market = market or GigMarket()
    market.name, market.township, market.address, market.active = (
        name,
        township,
        (address or "").strip()[:200],
        active,
    )
    market.save()
    return market


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
