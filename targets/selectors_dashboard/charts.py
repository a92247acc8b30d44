"""Chart series and month tables of the dashboards: per month the new, cumulative and expected counts, the
trend of the cumulative count against the straight time-progress line, and township completion ranked for
the bar chart — all read from a `DashboardProgress`, nothing counted here.
"""

import calendar
from datetime import date

from django.utils.translation import gettext as _g

from .numbers import DASH, DashboardProgress, number, status_of


def month_rows(progress: DashboardProgress, monthly: list[int | None], target: int | None) -> list[dict]:
    """Per month: new in the month, cumulative at its end, the count expected by the time-progress line."""
    rows, previous = [], 0
    for index, cumulative in enumerate(monthly):
        month = index + 1
        expected = round(target * progress.data["time_line"][index]) if target else None
        month_end = date(progress.year, month, calendar.monthrange(progress.year, month)[1])
        rows.append(
            {
                "month": month,
                "month_end": min(month_end, progress.as_of).isoformat(),
                "new": None if cumulative is None else cumulative - previous,
                "new_display": number(None if cumulative is None else cumulative - previous),
                "cumulative": cumulative,
                "cumulative_display": number(cumulative),
                "expected": expected,
                "expected_display": number(expected),
                "gap_display": DASH
                if cumulative is None or expected is None
                else f"{cumulative - expected:+,}",
            }
        )
        previous = cumulative if cumulative is not None else previous
    return rows


def trend_chart(progress: DashboardProgress, monthly: list[int | None], target: int | None) -> dict:
    """Data for the trend chart: cumulative count vs the straight time-progress line."""
    return {
        "kind": "trend",
        "months": [_g("%(month)s月") % {"month": m} for m in range(1, 13)],
        "count_name": _g("累计新增"),
        "count": monthly,
        "expected_name": _g("按时序进度应完成"),
        "expected": [round(target * t) if target else None for t in progress.data["time_line"]],
        "target": target,
        "target_name": _g("年度目标"),
    }


def completion_chart(progress: DashboardProgress) -> dict:
    """Data for the bar chart of township completion (ranked townships, best first)."""
    rows = sorted(
        (r for r in progress.data["townships"] if r["completion_rate"] is not None),
        key=lambda r: (r["rank"], r["code"]),
    )
    return {
        "kind": "completion",
        "names": [r["name"] for r in rows],
        "rates": [r["completion_rate"] for r in rows],
        "counts": [r["count"] for r in rows],
        "targets": [r["target"] for r in rows],
        "statuses": [status_of(r) for r in rows],
        "time_progress": progress.time_progress,
        "rate_name": _g("完成率"),
        "time_name": _g("时序进度"),
        "count_label": _g("新增"),
        "target_label": _g("目标"),
    }
