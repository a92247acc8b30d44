"""The numbers of the dashboards (DESIGN.md §4.3–4.7 and §7): `dashboard_progress` returns the stored
snapshot of the year, or one built live for an explicit as-of date other than the snapshot's; the rest only
arranges its rows for the templates — display strings and status, the sorted township table, industries,
sector groups, the cumulative three-year summary and the district headline.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workers.selectors import PLAN_YEARS

from ..models import PlanYear
from ..progress import months_left as progress_months_left
from ..progress import progress_build, progress_snapshot, unit_status

STATUS_LABELS = {
    "ok": _("正常"),
    "lagging": _("滞后"),
    "serious": _("严重滞后"),
    "none": _("未分解目标"),
}
DASH = "—"


@dataclass(frozen=True)
class DashboardProgress:
    year: int
    as_of: date
    computed_at: datetime
    live: bool
    data: dict

    @property
    def time_progress(self) -> float:
        return self.data["time_progress"]


def dashboard_progress(*, year: int, as_of: date | None = None) -> DashboardProgress:
    """The stored snapshot of `year`; built live when an explicit `as_of` differs from the snapshot's."""
    snapshot = progress_snapshot(year=year)
    if as_of is None or as_of == snapshot.as_of:
        return DashboardProgress(year, snapshot.as_of, snapshot.computed_at, False, snapshot.data)
    data = progress_build(year=year, as_of=as_of)
    return DashboardProgress(year, as_of, timezone.now(), True, data)


def pct(rate: float | None) -> str:
    return DASH if rate is None else f"{rate * 100:.1f}%"


def status_of(row: dict) -> str:
    if row.get("target") is None:
        return "none"
    if row.get("seriously_lagging"):
        return "serious"
    return "lagging" if row.get("lagging") else "ok"


def number(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def decorate(row: dict) -> dict:
    """A copy of a snapshot row with what the templates print: numbers, percentages, signed gap, status."""
    status = status_of(row)
    gap = row.get("gap")
    return {
        **row,
        "target_display": number(row.get("target")),
        "count_display": number(row.get("count")),
        "expected_display": number(row.get("expected_by_now")),
        "projection_display": number(row.get("projection")),
        "pace_display": number(row.get("monthly_pace_needed")),
        "completion_display": pct(row.get("completion_rate")),
        "gap_display": DASH if gap is None else f"{gap:+,}",
        "returnee_display": number(row.get("returnee_count")),
        "status": status,
        "status_label": STATUS_LABELS[status],
        "row_class": status if status in ("lagging", "serious") else "",
    }


#: Sortable columns of the township table → (value of a row, default direction).
TOWNSHIP_SORTS = {
    "completion": ("completion_rate", "desc"),
    "code": ("code", "asc"),
    "target": ("target", "desc"),
    "count": ("count", "desc"),
    "expected": ("expected_by_now", "desc"),
    "gap": ("gap", "asc"),
    "projection": ("projection", "desc"),
    "pace": ("monthly_pace_needed", "desc"),
    "returnee": ("returnee_count", "desc"),
}


def parse_sort(sort: str | None, direction: str | None) -> tuple[str, str]:
    key = sort if sort in TOWNSHIP_SORTS else "completion"
    default = TOWNSHIP_SORTS[key][1]
    return key, direction if direction in ("asc", "desc") else default


def township_rows(
    progress: DashboardProgress, *, sort: str = "completion", direction: str = "desc", lagging_only=False
) -> tuple[list[dict], list[dict]]:
    """The townships with a target (sorted, optionally only the lagging ones) and those without."""
    rows = [decorate(r) for r in progress.data["townships"]]
    with_target = [r for r in rows if r["target"] is not None]
    without = [r for r in rows if r["target"] is None]
    if lagging_only:
        with_target = [r for r in with_target if r["lagging"]]
        without = []
    field, _default = TOWNSHIP_SORTS[sort]
    present = [r for r in with_target if r[field] is not None]
    missing = [r for r in with_target if r[field] is None]
    present.sort(key=lambda r: r["code"])
    present.sort(key=lambda r: r[field], reverse=direction == "desc")
    return present + missing, without


def township_row(progress: DashboardProgress, code: str) -> dict | None:
    return next((decorate(r) for r in progress.data["townships"] if r["code"] == code), None)


def ranked_count(progress: DashboardProgress) -> int:
    return sum(1 for r in progress.data["townships"] if r["rank"] is not None)


def lagging_counts(progress: DashboardProgress) -> dict:
    rows = progress.data["townships"]
    return {
        "lagging": sum(1 for r in rows if r["lagging"]),
        "serious": sum(1 for r in rows if r["seriously_lagging"]),
    }


def industry_rows(progress: DashboardProgress, industry_ids_codes: set[str] | None = None) -> list[dict]:
    """Industries in annex order; `industry_ids_codes` limits them to a user's industries."""
    return [
        decorate(r)
        for r in progress.data["industries"]
        if industry_ids_codes is None or r["code"] in industry_ids_codes
    ]


def sector_rows(progress: DashboardProgress, industry_codes: set[str] | None = None) -> list[dict]:
    """Sector groups; for a user limited to some industries, only groups made of those industries alone."""
    names = {r["code"]: r["name"] for r in progress.data["industries"]}
    return [
        {**decorate(r), "industry_names": "、".join(names.get(code, code) for code in r["industries"])}
        for r in progress.data["sectors"]
        if industry_codes is None or set(r["industries"]) <= industry_codes
    ]


def cumulative_summary(progress: DashboardProgress) -> dict:
    """Rule 4.4 beside the three-year plan: the cumulative count of the snapshot, the yearly counts behind
    it and the cumulative returnees, read from each earlier year's snapshot."""
    district = progress.data["district"]
    by_year, returnees = [], 0
    for y in [y for y in PLAN_YEARS if y <= progress.year]:
        d = district if y == progress.year else progress_snapshot(year=y).data["district"]
        by_year.append(
            {
                "year": y,
                "count_display": number(d["count"]),
                "returnee_display": number(d["returnee_count"]),
            }
        )
        returnees += d["returnee_count"]
    goals = PlanYear.objects.filter(year__in=PLAN_YEARS).aggregate(
        nearby=Sum("nearby_goal"), returnee=Sum("returnee_goal")
    )
    plan_total = goals["nearby"] or None
    plan_returnee_total = goals["returnee"] or None
    returnees = district.get("cumulative_returnee_count", returnees)
    summary = {
        "count": district["cumulative_count"],
        "distinct_people": district["distinct_people"],
        "target_to_date": district["cumulative_target"],
        "plan_total": plan_total,
        "completion_display": pct(district["cumulative_count"] / plan_total if plan_total else None),
        "by_year": by_year,
        "returnee_count": returnees,
        "returnee_target_to_date": district["cumulative_returnee_target"],
        "returnee_plan_total": plan_returnee_total,
        "returnee_completion_display": pct(returnees / plan_returnee_total if plan_returnee_total else None),
    }
    for key in [k for k, v in summary.items() if isinstance(v, int) or v is None]:
        summary[f"{key}_display"] = number(summary[key])
    return summary


def months_left(progress: DashboardProgress) -> int:
    """The months the pace still needed is spread over, as the engine counts them."""
    return progress_months_left(progress.year, progress.as_of)


def headline(progress: DashboardProgress) -> dict:
    """The district rows of the headline: new nearby employment, returnees (the same pace arithmetic on the
    snapshot's returnee figures) and the cumulative summary."""
    district = progress.data["district"]
    returnee = unit_status(
        count=district["returnee_count"],
        target=district["returnee_target"],
        progress=progress.time_progress,
        months_left=months_left(progress),
    )
    return {
        "district": decorate(district),
        "returnee": decorate(returnee),
        "cumulative": cumulative_summary(progress),
        "time_progress_display": pct(progress.time_progress),
        "township_target_sum_display": number(district["township_target_sum"]),
        "industry_target_sum_display": number(district["industry_target_sum"]),
    }
