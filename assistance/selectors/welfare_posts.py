"""**Public-welfare posts** in Y (issue 9): distinct workers with a post active on at least one day of Y up to
D. A post held on D that started `LONG_TENURE_MONTHS` or more before D is flagged (§十三: avoid "一托到底").
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from workers.selectors import active_between, year_window

from ..models import PublicWelfarePost
from ._common import _ids_filter

LONG_TENURE_MONTHS = 36


def long_tenure_since(today: date) -> date:
    return today - relativedelta(months=LONG_TENURE_MONTHS)


def posts(*, today: date | None = None) -> QuerySet:
    """Posts annotated `current` (held today) and `long_tenure` (held today, started ≥ 36 months ago)."""
    today = today or timezone.localdate()
    held = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
    return PublicWelfarePost.objects.select_related("worker", "worker__township").annotate(
        current=Case(When(held, then=Value(True)), default=Value(False), output_field=BooleanField()),
        long_tenure=Case(
            When(held & Q(start_date__lte=long_tenure_since(today)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def tenure_months(post, today: date | None = None) -> int:
    """Whole months from the start to the end (or today) of one post, for display."""
    end = post.end_date or today or timezone.localdate()
    delta = relativedelta(end, post.start_date)
    return max(0, delta.years * 12 + delta.months)


def post_holders(
    *, year: int, as_of: date | None = None, township_ids=None, poverty_alleviated_only: bool = False
) -> int:
    """Distinct workers with a post active on at least one day of `year` up to `as_of`. With
    `poverty_alleviated_only`, only 脱贫人口: the plan's indicator "托底安置就业困难脱贫人口就近就地就业 5000 人以上"
    (task 8) counts those holders, not every holder (issue 19)."""
    start, end = year_window(year, as_of)
    if end < start:
        return 0
    held = PublicWelfarePost.objects.filter(active_between(start, end))
    if poverty_alleviated_only:
        held = held.filter(worker__is_poverty_alleviated=True)
    held = _ids_filter(held, township_ids, "worker__township_id")
    return held.values("worker_id").distinct().count()
