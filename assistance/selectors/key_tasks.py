"""**Key-task board** (issue 9): every indicator of DESIGN.md §3 with its KeyTaskTarget, arranged by
`targets.progress.unit_status` exactly like the employment targets (completion, time progress, lagging). It
reads its figures from the other modules of this package and from `workers.selectors`, never from copies of
its own.
"""

from datetime import date

from django.utils import timezone

from monitoring.selectors import comparison_totals
from targets.models import KeyTaskIndicator, KeyTaskTarget
from targets.progress import default_as_of, months_left, unit_status
from workers.selectors import nearby_employment_matrix, poverty_alleviated_in_work, time_progress

from ..models import CourseKind
from .brands import brand_channels, carrier_channels, channel_people, gig_market_count
from .recruitment import event_count
from .registers import register_counts
from .training import training_figures
from .welfare_posts import post_holders

#: Indicator code → (drill-down page name, query) for the board's links; sector drill-downs go to the
#: people list of the employment targets.
DRILL_DOWN = {
    "labour-brand-new": ("assistance:channels", {"kind": "brand"}),
    "gig-market-employment": ("assistance:channels", {"kind": "gig"}),
    "gig-markets": ("assistance:channels", {"kind": "gig"}),
    "training-person-times": ("assistance:courses", {}),
    "training-employment-rate": ("assistance:courses", {}),
    "new-citizen-training": ("assistance:courses", {"kind": CourseKind.NEW_CITIZEN}),
    "recruitment-events": ("assistance:events", {}),
    "public-welfare-posts": ("assistance:posts", {}),
}


#: Indicators that are a stock on the as-of day (people in work, gig markets in service), not a yearly flow.
STOCK_INDICATORS = ("poverty-alleviated-in-work", "gig-markets")


def key_task_board(*, year: int, as_of: date | None = None) -> dict:
    """Every key-task indicator of `year` with target, actual, completion, time progress and lagging flags."""
    as_of = as_of or default_as_of(year)
    progress = time_progress(year, as_of)
    months = months_left(year, as_of)
    targets = dict(KeyTaskTarget.objects.filter(plan_year_id=year).values_list("indicator_id", "target"))

    by_industry = nearby_employment_matrix(year=year, as_of=as_of).by_industry()
    training = training_figures(year=year, as_of=as_of)
    actuals = {
        "labour-brand-new": channel_people(channels=brand_channels(), year=year, as_of=as_of)["total"],
        "training-person-times": training.person_times,
        "gig-market-employment": channel_people(channels=carrier_channels(), year=year, as_of=as_of)["total"],
        "gig-markets": gig_market_count(),
        "recruitment-events": event_count(year=year, as_of=as_of),
        "poverty-alleviated-in-work": poverty_alleviated_in_work(on=as_of),
        "public-welfare-posts": post_holders(year=year, as_of=as_of, poverty_alleviated_only=True),
        "new-citizen-training": training.new_citizen_people,
    }
    rows = []
    for indicator in KeyTaskIndicator.objects.prefetch_related("industries"):
        target = targets.get(indicator.pk)
        row = {
            "code": indicator.code,
            "name": indicator.name,
            "task": indicator.task,
            "unit": indicator.unit,
            "kind": indicator.kind,
        }
        if indicator.kind == KeyTaskIndicator.Kind.RATE:
            rate = training.employment_rate
            actual = round(rate * 100, 1) if rate is not None else None
            completion = round(actual / float(target), 4) if target and actual is not None else None
            row.update(
                target=float(target) if target is not None else None,
                count=actual,
                numerator=training.employed,
                denominator=training.person_times,
                completion_rate=completion,
                # A rate has no time progress: it lags when it is below its target.
                lagging=actual is not None and target is not None and actual < float(target),
                seriously_lagging=False,
                expected_by_now=None,
                gap=round(actual - float(target), 1) if actual is not None and target is not None else None,
            )
        else:
            if indicator.kind == KeyTaskIndicator.Kind.SECTOR:
                count = sum(by_industry.get(i.pk, 0) for i in indicator.industries.all())
                row["industries"] = sorted(i.code for i in indicator.industries.all())
            else:
                count = actuals.get(indicator.code, 0)
            row.update(unit_status(count=count, target=target, progress=progress, months_left=months))
            if indicator.code in STOCK_INDICATORS:
                # A stock at a date, not a flow over the year: compared with the target, not time progress.
                row["lagging"] = target is not None and count < target
                row["seriously_lagging"] = False
                row["expected_by_now"] = int(target) if target is not None else None
                row["gap"] = count - int(target) if target is not None else None
        rows.append(row)
    return {
        "year": year,
        # The 比对 of the latest monitoring list (issue 26): today's figures, whatever the year shown.
        "monitoring": comparison_totals(),
        "as_of": as_of,
        "time_progress": round(progress, 4),
        "computed_at": timezone.now(),
        "rows": rows,
        # The plan's registers with no number (issue 20, item 9): counts only.
        "registers": register_counts(year=year, as_of=as_of),
    }
