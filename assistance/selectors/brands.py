"""**Labour brands / carriers** in Y (issues 9, 20): distinct workers with an employment starting in Y up to D
whose channel is the brand's (carrier's) name; for carriers also the generic channel "零工市场".
"""

from datetime import date

from django.db.models import Count, QuerySet

from workers.models import Employment
from workers.selectors import year_window

from ..models import Carrier, CarrierKind, LabourBrand
from ._common import _ids_filter

GENERIC_GIG_CHANNEL = "零工市场"


def channel_employments(*, channels, year: int, as_of: date | None = None, township_ids=None) -> QuerySet:
    """Employments starting in `year` up to `as_of` whose channel is one of `channels`."""
    start, end = year_window(year, as_of)
    jobs = Employment.objects.filter(channel__in=list(channels), start_date__gte=start, start_date__lte=end)
    # A job counts in the township of registration on its start date (DESIGN.md §4.1).
    return _ids_filter(jobs, township_ids, "registration_township_id")


def channel_people(*, channels, year: int, as_of: date | None = None, township_ids=None) -> dict:
    """{"total": distinct workers over all channels, "by_channel": {channel: distinct workers}}."""
    jobs = channel_employments(channels=channels, year=year, as_of=as_of, township_ids=township_ids)
    by_channel = dict(
        jobs.order_by()
        .values("channel")
        .annotate(n=Count("worker_id", distinct=True))
        .values_list("channel", "n")
    )
    total = jobs.order_by().values("worker_id").distinct().count()
    return {"total": total, "by_channel": by_channel}


def brand_channels() -> list[str]:
    return list(LabourBrand.objects.values_list("name", flat=True))


def carrier_channels() -> list[str]:
    """The channels of the ≥ 1,000 indicator of plan task (五): every carrier's name (gig markets, incubators,
    returnee parks, full-employment communities) and the generic channel "零工市场"."""
    return [*Carrier.objects.values_list("name", flat=True), GENERIC_GIG_CHANNEL]


def gig_market_count() -> int:
    """Gig markets (驿站) in service, against the plan's "升级打造零工市场（驿站）5家"."""
    return Carrier.objects.filter(kind=CarrierKind.GIG_MARKET, active=True).count()
