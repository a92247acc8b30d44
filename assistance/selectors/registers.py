"""Counts of the plan's registers for the key-task board (issue 20, item 9). The plan gives no number for them
(seeds/000_… 任务（三）（六）（七）), so the board shows counts without a target: entries in each register on day D
(registered by D and still in it), and the distinct people given an occupational health check in year Y up to D.
"""

from datetime import date

from django.db.models import Count

from workers.selectors import year_window

from ..models import HealthCheck, RegisterEntry, RegisterKind


def register_counts(*, year: int, as_of: date) -> list[dict]:
    """[{"kind", "label", "count"}] for every register, then the year's health checks (people)."""
    counts = dict(
        RegisterEntry.objects.filter(active=True, registered_on__lte=as_of)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    rows = [
        {"kind": kind, "label": label, "count": counts.get(kind, 0)} for kind, label in RegisterKind.choices
    ]
    start, end = year_window(year, as_of)
    checked = HealthCheck.objects.filter(date__gte=start, date__lte=end).values("worker").distinct().count()
    rows.append({"kind": "health_check", "label": "大龄农民工职业健康体检（人）", "count": checked})
    return rows
