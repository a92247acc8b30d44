"""The query of a dashboard page, parsed (DESIGN.md §7): the plan year (kept inside the plan years), an
explicit as-of date (moved into the year, with a notice, when it lies outside) and a month of the people
drill-down. Text that is not a date or a month is a ValidationError with a Chinese message.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from workers.selectors import PLAN_YEARS

from ..models import PlanYear

AS_OF_INVALID = _("统计截止日“{value}”不是有效日期，请按“年-月-日”填写，例如 2025-06-30。")
AS_OF_CLAMPED = _("统计截止日不在 {year} 年内，已调整为 {date}。")
MONTH_INVALID = _("月份“{value}”无效，应为 1 到 12 之间的整数。")


def plan_years() -> list[int]:
    return list(PlanYear.objects.values_list("year", flat=True)) or list(PLAN_YEARS)


def parse_year(value: str | None) -> int:
    """The requested plan year; anything else falls back to this year, kept inside the plan years."""
    years = plan_years()
    try:
        year = int(value or "")
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, years[0]), years[-1])


def parse_as_of(value: str | None, *, year: int) -> tuple[date | None, str | None]:
    """An explicit as-of date (None when not given) and a notice when it had to be moved into the year.
    Raises ValidationError with a Chinese message for text that is not a date."""
    value = (value or "").strip()
    if not value:
        return None, None
    text = value.replace("/", "-").replace(".", "-")
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None and len(text) == 8 and text.isdigit():
        try:
            parsed = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationError(AS_OF_INVALID.format(value=value[:40]))
    clamped = min(max(parsed, date(year, 1, 1)), date(year, 12, 31))
    if clamped != parsed:
        return clamped, AS_OF_CLAMPED.format(year=year, date=clamped.isoformat())
    return clamped, None


def parse_month(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 12:
        raise ValidationError(MONTH_INVALID.format(value=value[:10]))
    return int(value)
