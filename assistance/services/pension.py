"""The yearly standard of the pension premium the government pays (代缴城乡居民基本养老保险费, issue 20, item 5).

City document §十四: "为特困人员、重度残疾人按最低缴费档次标准全额代缴，为低保对象按不低于最低缴费档次标准的70%
代缴". The lowest tier is the city's figure of the year, entered by bureau staff; the share for 低保对象 may be set
higher than 70 %, never lower. The list of people is read by `assistance.selectors.pension`.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..models import DIBAO_LEAST_PERCENT, PensionStandard
from ._common import _ensure_bureau

PENSION_YEAR_INVALID = _("年度应在 2025 至 2027 年之间。")
PENSION_TIER_INVALID = _("请填写大于 0 的最低缴费档次标准（元/年）。")
PENSION_SHARE_TOO_LOW = _("低保对象代缴比例不得低于最低缴费档次标准的 {least}%，也不能超过 100%。")


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


@transaction.atomic
def pension_standard_set(
    *, acting_user, year: int, lowest_tier, dibao_percent=DIBAO_LEAST_PERCENT
) -> PensionStandard:
    """Set (or change) the year's lowest tier and the share paid for 低保对象; bureau staff only."""
    _ensure_bureau(acting_user)
    if not 2025 <= int(year) <= 2027:
        raise ValidationError({"year": PENSION_YEAR_INVALID})
    tier = _decimal(lowest_tier)
    if tier is None or tier <= 0:
        raise ValidationError({"lowest_tier": PENSION_TIER_INVALID})
    share = _decimal(dibao_percent)
    if share is None or not DIBAO_LEAST_PERCENT <= share <= 100:
        raise ValidationError({"dibao_percent": PENSION_SHARE_TOO_LOW.format(least=DIBAO_LEAST_PERCENT)})
    standard, _created = PensionStandard.objects.update_or_create(
        year=year,
        defaults={
            "lowest_tier": tier,
            "dibao_percent": share,
            "set_by": acting_user if getattr(acting_user, "pk", None) else None,
        },
    )
    return standard
