"""The progress engine: snapshots of each year's standing against target and time (DESIGN.md §4.3–4.7, §7).

A snapshot is the result of `progress_build(year, as_of)`, stored per year so that dashboards, the briefing
and the API read one row instead of counting. Every number comes from `workers.selectors`; the engine only
arranges them by unit (district, township, industry, sector group), adds targets, time progress, lagging
flags, pace and projection. Nothing but pages and the API reads this module.
"""

import time
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from workers.models import Employment
from workers.selectors import (
    PLAN_YEARS,
    distinct_people,
    nearby_employment_by_month,
    poverty_alleviated_in_work,
    returnee_counts,
    time_progress,
)

from .models import (
    Industry,
    IndustryTarget,
    KeyTaskIndicator,
    KeyTaskTarget,
    PlanYear,
    ProgressDirtyYear,
    ProgressSnapshot,
    Township,
    TownshipTarget,
)


def default_as_of(year: int, today: date | None = None) -> date:
    """31 December for a past year, else today (a future year then has time progress 0 and no count)."""
    today = today or timezone.localdate()
    return date(year, 12, 31) if today.year > year else today


def _rate(count: int, target) -> float | None:
    return round(count / float(target), 4) if target else None


def months_left(year: int, as_of: date) -> int:
    """The months of `year` over which the pace still needed is spread: the month in progress and those
    after it (in December one month is left, not none; issue 18, item 6). Nothing is left once the year
    is over (as of 31 December or later), all twelve before it starts."""
    if as_of.year < year:
        return 12
    if as_of.year > year:
        return 0
    month_over = (as_of + timedelta(days=1)).month != as_of.month
    return 12 - as_of.month + (0 if month_over else 1)


def unit_status(*, count: int, target, progress: float, months_left: int) -> dict:
    """Completion, lagging flags (rule 4.7), and pace: expected by now, gap, year-end projection, monthly
    pace still needed. Units without a target carry None for everything that needs one."""
    completion = _rate(count, target)
    lagging = completion is not None and completion < progress
    serious = completion is not None and completion < progress * settings.SERIOUS_LAG_RATIO
    expected = round(float(target) * progress) if target else None
    return {
        "target": int(target) if target is not None else None,
        "count": count,
        "completion_rate": completion,
        "lagging": lagging,
        "seriously_lagging": serious,
        "expected_by_now": expected,
        "gap": count - expected if expected is not None else None,
        "projection": round(count / progress) if progress > 0 else None,
        "monthly_pace_needed": (
            max(0, -(-(int(target) - count) // months_left)) if target and months_left > 0 else None
        ),
    }


def progress_build(*, year: int, as_of: date | None = None) -> dict:
    """Build the progress of `year` as of `as_of` from the counting selectors (a handful of queries)."""
    as_of = as_of or default_as_of(year)
    progress = time_progress(year, as_of)
    months = months_left(year, as_of)
    plan_year = PlanYear.objects.filter(year=year).first()

    cube = nearby_employment_by_month(year=year, as_of=as_of)
    by_township: dict[int, int] = defaultdict(int)
    by_industry: dict[int, int] = defaultdict(int)
    monthly_district = [0] * 12
    monthly_township: dict[int, list[int]] = defaultdict(lambda: [0] * 12)
    for (township_id, industry_id, month), n in cube.items():
        by_township[township_id] += n
        by_industry[industry_id] += n
        monthly_district[month - 1] += n
        monthly_township[township_id][month - 1] += n
    total = sum(by_township.values())
    returnees = returnee_counts(year=year, as_of=as_of)

    township_targets = dict(
        TownshipTarget.objects.filter(plan_year_id=year).values_list("township_id", "target")
    )
    industry_targets = dict(
        IndustryTarget.objects.filter(plan_year_id=year).values_list("industry_id", "target")
    )

    townships = []
    for township in Township.objects.order_by("code"):
        row = {"code": township.code, "name": township.name, "kind": township.kind}
        row.update(
            unit_status(
                count=by_township.get(township.pk, 0),
                target=township_targets.get(township.pk),
                progress=progress,
                months_left=months,
            )
        )
        row["returnee_count"] = returnees.get(township.pk, 0)
        row["monthly"] = _cumulate(monthly_township.get(township.pk, [0] * 12), as_of, year)
        townships.append(row)
    _rank(townships)

    industries = []
    industry_codes = {}
    for industry in Industry.objects.order_by("code"):
        industry_codes[industry.pk] = industry.code
        row = {"code": industry.code, "name": industry.name, "lead_department": industry.lead_department}
        row.update(
            unit_status(
                count=by_industry.get(industry.pk, 0),
                target=industry_targets.get(industry.pk),
                progress=progress,
                months_left=months,
            )
        )
        industries.append(row)

    sectors = []
    sector_targets = dict(
        KeyTaskTarget.objects.filter(
            plan_year_id=year, indicator__kind=KeyTaskIndicator.Kind.SECTOR
        ).values_list("indicator_id", "target")
    )
    for indicator in KeyTaskIndicator.objects.filter(kind=KeyTaskIndicator.Kind.SECTOR).prefetch_related(
        "industries"
    ):
        members = [i.pk for i in indicator.industries.all()]
        row = {
            "code": indicator.code,
            "name": indicator.name,
            "industries": sorted(industry_codes[pk] for pk in members),
        }
        row.update(
            unit_status(
                count=sum(by_industry.get(pk, 0) for pk in members),
                target=sector_targets.get(indicator.pk),
                progress=progress,
                months_left=months,
            )
        )
        sectors.append(row)

    # Rule 4.4: the plan years up to this one, each counted as of `as_of`, summed.
    cumulative_years = [y for y in PLAN_YEARS if y <= year]
    cumulative_count = sum(total if y == year else _year_total(y, as_of) for y in cumulative_years)
    cumulative_target = sum(
        PlanYear.objects.filter(year__in=cumulative_years).values_list("nearby_goal", flat=True)
    )
    cumulative_returnee_target = sum(
        PlanYear.objects.filter(year__in=cumulative_years).values_list("returnee_goal", flat=True)
    )
    district = {
        "target": plan_year.nearby_goal if plan_year else None,
        "township_target_sum": sum(township_targets.values()),
        "industry_target_sum": sum(industry_targets.values()),
        "returnee_target": plan_year.returnee_goal if plan_year else None,
        "returnee_count": sum(returnees.values()),
        "returnee_completion_rate": _rate(
            sum(returnees.values()), plan_year.returnee_goal if plan_year else None
        ),
        "cumulative_target": cumulative_target or None,
        "cumulative_returnee_target": cumulative_returnee_target or None,
        "cumulative_count": cumulative_count,
        "distinct_people": distinct_people(first_year=PLAN_YEARS[0], last_year=year, as_of=as_of)
        if year >= PLAN_YEARS[0]
        else 0,
        "poverty_alleviated_in_work": poverty_alleviated_in_work(on=as_of),
        "monthly": _cumulate(monthly_district, as_of, year),
    }
    district.update(
        unit_status(
            count=total,
            target=plan_year.nearby_goal if plan_year else None,
            progress=progress,
            months_left=months,
        )
    )
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "time_progress": round(progress, 4),
        "district": district,
        "townships": townships,
        "industries": industries,
        "sectors": sectors,
        "time_line": [round(time_progress(year, _month_end(year, m)), 4) for m in range(1, 13)],
    }


def _year_total(year: int, as_of: date) -> int:
    if as_of < date(year, 1, 1):
        return 0
    # The yearly count is the number of distinct workers counted that year (rule 4.3; workers/selectors.py).
    return distinct_people(first_year=year, last_year=year, as_of=as_of)


def _month_end(year: int, month: int) -> date:
    import calendar

    return date(year, month, calendar.monthrange(year, month)[1])


def _cumulate(per_month: list[int], as_of: date, year: int) -> list[int | None]:
    """Cumulative count at each month end; months after `as_of` are None (not yet happened)."""
    out, running = [], 0
    last_month = 12 if as_of.year > year else (as_of.month if as_of.year == year else 0)
    for month in range(1, 13):
        running += per_month[month - 1]
        out.append(running if month <= last_month else None)
    return out


def _rank(rows: list[dict]) -> None:
    """Rank units with a target by completion rate (1 = best); ties share a rank."""
    ranked = sorted(
        (r for r in rows if r["completion_rate"] is not None), key=lambda r: -r["completion_rate"]
    )
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        if row["completion_rate"] != previous:
            rank, previous = position, row["completion_rate"]
        row["rank"] = rank
    for row in rows:
        row.setdefault("rank", None)


# --- Snapshots ------------------------------------------------------------------------------------------


def _year_lock(year: int) -> None:
    """Serialise recomputes of one year across processes (PostgreSQL advisory lock, held to commit)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [20250718, year])


@transaction.atomic
def progress_recompute(*, year: int, as_of: date | None = None) -> ProgressSnapshot:
    """Recompute and store the snapshot of `year`. Idempotent; two at once for one year run one after the
    other (the second simply writes the same numbers again)."""
    _year_lock(year)
    started = time.perf_counter()
    ProgressDirtyYear.objects.filter(year=year).delete()
    data = progress_build(year=year, as_of=as_of)
    record_count = Employment.objects.filter(start_date__year=year).count()
    snapshot, _created = ProgressSnapshot.objects.update_or_create(
        year=year,
        defaults={
            "as_of": date.fromisoformat(data["as_of"]),
            "computed_at": timezone.now(),
            "record_count": record_count,
            "duration_ms": int((time.perf_counter() - started) * 1000),
            "data": data,
        },
    )
    return snapshot


def progress_sweep() -> list[int]:
    """Recompute every year waiting in the outbox, each once. Safe to run in several workers at once:
    a year another worker is already sweeping is skipped (`skip_locked`)."""
    done = []
    while True:
        with transaction.atomic():
            row = ProgressDirtyYear.objects.select_for_update(skip_locked=True).order_by("year").first()
            if row is None:
                return done
            year = row.year
            progress_recompute(year=year)
            done.append(year)


def progress_recompute_all() -> list[int]:
    """The nightly job: every plan year (the date moves on even when no data changes)."""
    years = list(PlanYear.objects.values_list("year", flat=True))
    for year in years:
        progress_recompute(year=year)
    return years


def progress_snapshot(*, year: int) -> ProgressSnapshot:
    """The stored snapshot of `year`, computed now if there is none or if its date has passed."""
    snapshot = ProgressSnapshot.objects.filter(year=year).first()
    if snapshot is None or snapshot.as_of != default_as_of(year):
        snapshot = progress_recompute(year=year)
    return snapshot
