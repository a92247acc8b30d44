"""Reads of the quarterly cycle: a township's quarter at a glance, and the calendar of every township ×
quarter (issue 23, items 1 and 4). Counts come from the counting rules of workers.selectors (DESIGN.md §4)."""

from datetime import date

from django.db.models import Count
from django.utils import timezone

from targets.models import QuarterLock, QuarterUnlockException, Township, TownshipTarget
from targets.services import quarter_end
from workers.models import Source
from workers.selectors import nearby_employment_matrix, time_progress

from .models import QualityRun, QuarterReport, ReportEvent, ReportingDeadline
from .quality import Scope


def quarter_glance(*, township: Township, year: int, quarter: int) -> dict:
    """People and jobs of the quarter by door (form, return, …), and the township's count to the quarter's
    end against its annual target and the time progress of that day (rule 4.7)."""
    scope = Scope(township_id=township.pk, year=year, quarter=quarter)
    by_source = {
        row["source"]: row
        for row in scope.jobs()
        .values("source")
        .annotate(jobs=Count("id"), people=Count("worker_id", distinct=True))
    }
    doors = [
        {
            "label": label,
            "jobs": by_source.get(value, {}).get("jobs", 0),
            "people": by_source.get(value, {}).get("people", 0),
        }
        for value, label in Source.choices
    ]
    end = min(quarter_end(year, quarter), max(timezone.localdate(), date(year, 1, 1)))
    count = (
        nearby_employment_matrix(year=year, as_of=end, township_ids=[township.pk])
        .by_township()
        .get(township.pk, 0)
    )
    target = (
        TownshipTarget.objects.filter(township=township, plan_year__year=year)
        .values_list("target", flat=True)
        .first()
    )
    progress = time_progress(year, end)
    completion = count / target if target else None
    return {
        "doors": doors,
        "jobs": scope.jobs().count(),
        "people": scope.jobs().values("worker_id").distinct().count(),
        "count": count,
        "target": target,
        "as_of": end,
        "time_progress": progress,
        "completion": completion,
        "behind": completion is not None and completion < progress,
    }


def latest_run(report: QuarterReport) -> QualityRun | None:
    return report.runs.prefetch_related("findings").select_related("run_by").first()


def report_events(report: QuarterReport):
    return report.events.select_related("user", "run").order_by("at", "pk")


def returned_reports(*, township_ids) -> list[dict]:
    """The clerk's first screen: reports of their township sent back, with the reason of the last return."""
    out = []
    reports = QuarterReport.objects.filter(status=QuarterReport.Status.RETURNED, township_id__in=township_ids)
    for report in reports.select_related("township").order_by("year", "quarter"):
        sent_back = (
            ReportEvent.Action.RETURN,
            ReportEvent.Action.REOPEN,
        )  # returned, or reopened by an unlock
        last = report.events.filter(action__in=sent_back).select_related("user").first()
        out.append({"report": report, "event": last})
    return out


CALENDAR_LABELS = {
    "open": "未报送",
    "submitted": "已报送",
    "returned": "已退回",
    "approved": "已审核",
    "locked": "已锁定",
    "exception": "临时开放",
}


def calendar(*, year: int, township_ids=None) -> dict:
    """Every township × quarter of `year`: open / submitted / returned / approved / locked (a district lock,
    or a township lock without an approval) / exception until D (an active unlock exception)."""
    townships = Township.objects.order_by("code")
    if township_ids is not None:
        townships = townships.filter(pk__in=township_ids)
    reports = {(r.township_id, r.quarter): r.status for r in QuarterReport.objects.filter(year=year)}
    district = set(
        QuarterLock.objects.filter(year=year, township__isnull=True).values_list("quarter", flat=True)
    )
    own = set(
        QuarterLock.objects.filter(year=year, township__isnull=False).values_list("township_id", "quarter")
    )
    today = timezone.localdate()
    exceptions = {
        (e.township_id, e.quarter): e
        for e in QuarterUnlockException.objects.filter(year=year, closed_at__isnull=True, until__gte=today)
    }
    rows = []
    counts: dict[str, int] = dict.fromkeys(CALENDAR_LABELS, 0)
    for township in townships:
        cells = []
        for quarter in (1, 2, 3, 4):
            key = (township.pk, quarter)
            state = reports.get(key, "open")
            exception = exceptions.get(key)
            if exception is not None:
                state = "exception"
            elif state != "approved" and (quarter in district or key in own):
                state = "locked"
            counts[state] += 1
            cells.append(
                {
                    "quarter": quarter,
                    "state": state,
                    "label": CALENDAR_LABELS[state],
                    "until": exception.until if exception else None,
                }
            )
        rows.append({"township": township, "cells": cells})
    summary = [(label, counts[state]) for state, label in CALENDAR_LABELS.items()]
    return {"year": year, "rows": rows, "counts": counts, "summary": summary}


def deadlines(year: int) -> dict[int, date]:
    """Each quarter's submission deadline: the one bureau staff set, else the 10th day after it ends."""
    from workers.selectors import return_deadline

    moved = dict(ReportingDeadline.objects.filter(year=year).values_list("quarter", "deadline"))
    return {q: moved.get(q) or return_deadline(year, q) for q in (1, 2, 3, 4)}


def reporting_rates(*, year: int, today: date | None = None) -> list[dict]:
    """DHIS2's reporting and timeliness rates per quarter, over the 49 townships of annex 1: submitted (a
    first submission at all), on time (first submitted by the deadline), late, missing (deadline passed, never
    submitted). The date of a submission is the day of its first 报送 event (Asia/Shanghai)."""
    today = today or timezone.localdate()
    due = deadlines(year)
    townships = list(Township.objects.filter(in_plan=True).values_list("pk", flat=True))
    first: dict[tuple[int, int], date] = {}
    events = ReportEvent.objects.filter(
        action=ReportEvent.Action.SUBMIT, report__year=year, report__township_id__in=townships
    ).values_list("report__township_id", "report__quarter", "at")
    for township_id, quarter, at in events:
        day = timezone.localtime(at).date()
        key = (township_id, quarter)
        if key not in first or day < first[key]:
            first[key] = day
    out = []
    for quarter in (1, 2, 3, 4):
        days = [first[(t, quarter)] for t in townships if (t, quarter) in first]
        on_time = sum(1 for d in days if d <= due[quarter])
        closed = quarter_end(year, quarter) < today
        passed = due[quarter] < today
        total = len(townships)
        out.append(
            {
                "quarter": quarter,
                "deadline": due[quarter],
                "closed": closed,
                "passed": passed,
                "expected": total,
                "submitted": len(days),
                "on_time": on_time,
                "late": len(days) - on_time,
                "missing": total - len(days) if passed else 0,
                "reporting_rate": len(days) / total if closed and total else None,
                "timeliness_rate": on_time / total if closed and total else None,
            }
        )
    return out
