"""The filters of the ledger feeds and the export (DESIGN.md §6): `township` and `industry` by name or code,
`year` and `updated_since` (ISO 8601 date-time or date, naive = Asia/Shanghai), parsed into a `FeedFilters`.
A value that names nothing, or is not a year or a timestamp, is a 400 with Chinese messages per parameter.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from targets.selectors import industry_lookup, industry_resolve, township_lookup, township_resolve
from targets.services import UNKNOWN_INDUSTRY, UNKNOWN_TOWNSHIP
from wanzhou_jobs.api import ApiValidationError

FILTER_PARAMS = ("township", "industry", "year", "updated_since")
YEAR_MIN, YEAR_MAX = 2000, 2100

YEAR_INVALID = _("year 应为 {min} 至 {max} 之间的年份，如 2025。")
UPDATED_SINCE_INVALID = _(
    "updated_since 应为 ISO 8601 时间（如 2025-03-15T08:00:00+08:00）或日期（如 2025-03-15）；"
    "时区中的“+”在网址中须写作 %2B。"
)
FILTERS_INVALID = _("查询参数有误，请按 fields 中的说明修改。")


@dataclass(frozen=True)
class FeedFilters:
    township_id: int | None = None
    industry_id: int | None = None
    year: int | None = None
    updated_since: datetime | None = None


_SPACE_FOR_PLUS = re.compile(r"^(.+[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def parse_timestamp(value: str) -> datetime | None:
    """ISO 8601 date-time (naive = Asia/Shanghai) or date (its first instant); None if not one.

    A `+` of the offset that was not URL-encoded arrives as a space; it is put back."""
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", value.strip())
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = datetime.combine(day, time.min) if day is not None else None
        if parsed is None:
            return None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def filters_parse(params) -> FeedFilters:
    """`township` and `industry` by name or code, `year`, `updated_since`; 400 with Chinese messages."""
    errors: dict[str, str] = {}
    township = industry = year = since = None
    value = params.get("township", "").strip()
    if value:
        township = township_resolve(value[:60], township_lookup())
        if township is None:
            errors["township"] = UNKNOWN_TOWNSHIP.format(value=value[:40])
    value = params.get("industry", "").strip()
    if value:
        industry = industry_resolve(value[:60], industry_lookup())
        if industry is None:
            errors["industry"] = UNKNOWN_INDUSTRY.format(value=value[:40])
    value = params.get("year", "").strip()
    if value:
        year = int(value) if value.isascii() and value.isdigit() and len(value) == 4 else None
        if year is None or not YEAR_MIN <= year <= YEAR_MAX:
            errors["year"] = YEAR_INVALID.format(min=YEAR_MIN, max=YEAR_MAX)
    value = params.get("updated_since", "")
    if value.strip():
        since = parse_timestamp(value[:64])
        if since is None:
            errors["updated_since"] = str(UPDATED_SINCE_INVALID)
    if errors:
        message = next(iter(errors.values())) if len(errors) == 1 else FILTERS_INVALID
        raise ApiValidationError(message, errors)
    return FeedFilters(
        township_id=township.pk if township else None,
        industry_id=industry.pk if industry else None,
        year=year,
        updated_since=since,
    )


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)
