"""The writes of the quarterly cycle (issue 23): one table of allowed moves, one `_move` that locks the row,
checks who may move and writes the event and the audit entry in the same transaction — as
subsidies/services/workflow.py does for applications.

| move    | from                | to        | who                                   | needs                          |
|---------|---------------------|-----------|---------------------------------------|--------------------------------|
| submit  | 未报送, 已退回       | 已报送    | clerk of the township, bureau staff   | no error; a note for warnings  |
| return  | 已报送              | 已退回    | bureau staff                          | a reason                       |
| approve | 已报送              | 已审核    | bureau staff                          | the quarter has ended; it locks the township's quarter |
| reopen  | 已审核              | 已退回    | bureau staff, by unlocking the township's quarter | the unlock's reason, shown to the clerk |
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets import audit
from targets.models import Role, Township
from targets.scoping import ensure_township_writable, scope_for
from targets.services import quarter_end, quarter_exception_grant, quarter_lock

from . import notifications
from .models import QualityFinding, QualityRun, QuarterReport, ReportEvent
from .quality import Scope, quality_findings

Status = QuarterReport.Status
Action = ReportEvent.Action

NOT_ALLOWED_NOW = _("{report}当前状态为“{status}”，不能{action}。")
ONLY_BUREAU = _("只有区人力社保局工作人员可以{action}。")
QUARTER_NOT_ENDED = _("{year}年第{quarter}季度尚未结束，结束后才能报送。")
ERRORS_BLOCK = _("数据质量检查有{count}个错误，请先改正后再报送。")
WARNINGS_NEED_NOTE = _("数据质量检查有{count}个提醒，请逐项核实并在“核实说明”中写明情况后再报送。")
RETURN_NEEDS_REASON = _("退回必须填写原因，告诉经办员需要改正什么。")

_ACTION_LABELS = {
    Action.SUBMIT: _("报送"),
    Action.RETURN: _("退回"),
    Action.APPROVE: _("审核通过"),
    Action.REOPEN: _("解锁重开"),
}

#: The one table of allowed moves: action → (statuses it may start from, status it leads to).
TRANSITIONS = {
    Action.SUBMIT: (frozenset({Status.OPEN, Status.RETURNED}), Status.SUBMITTED),
    Action.RETURN: (frozenset({Status.SUBMITTED}), Status.RETURNED),
    Action.APPROVE: (frozenset({Status.SUBMITTED}), Status.APPROVED),
    Action.REOPEN: (frozenset({Status.APPROVED}), Status.RETURNED),
}

_AUDIT_EVENTS = {
    Action.SUBMIT: "report_submit",
    Action.RETURN: "report_return",
    Action.APPROVE: "report_approve",
    Action.REOPEN: "report_reopen",
}


def report_get(*, township: Township, year: int, quarter: int) -> QuarterReport:
    """The township's report of the quarter, created (未报送) the first time it is asked for."""
    report, _created = QuarterReport.objects.get_or_create(township=township, year=year, quarter=quarter)
    return report


@transaction.atomic
def quality_run(*, acting_user, report: QuarterReport) -> QualityRun:
    """Run every data-quality rule over the township's quarter and keep the findings as they are now."""
    ensure_township_writable(acting_user, report.township_id)
    findings = quality_findings(
        Scope(township_id=report.township_id, year=report.year, quarter=report.quarter)
    )
    run = QualityRun.objects.create(
        report=report,
        run_by=acting_user,
        errors=sum(1 for _c, severity, _f in findings if severity == QualityFinding.Severity.ERROR),
        warnings=sum(1 for _c, severity, _f in findings if severity == QualityFinding.Severity.WARNING),
    )
    QualityFinding.objects.bulk_create(
        [
            QualityFinding(
                run=run,
                rule=code,
                severity=severity,
                message=finding.message[:300],
                worker_ids=finding.worker_ids,
                employment_ids=finding.employment_ids,
            )
            for code, severity, finding in findings
        ]
    )
    return run


def _move(report: QuarterReport, *, action: str, user, note: str = "", run=None) -> QuarterReport:
    locked = QuarterReport.objects.select_for_update().select_related("township").get(pk=report.pk)
    allowed, target = TRANSITIONS[action]
    if locked.status not in allowed:
        raise ValidationError(
            NOT_ALLOWED_NOW.format(
                report=locked, status=Status(locked.status).label, action=_ACTION_LABELS[action]
            ),
            code="status",
        )
    source = locked.status
    locked.status = target
    locked.save(update_fields=["status", "updated_at"])
    ReportEvent.objects.create(
        report=locked,
        action=action,
        from_status=source,
        to_status=target,
        note=note[:500],
        run=run,
        user=user,
    )
    audit.audit_event_on_commit(
        _AUDIT_EVENTS[action],
        obj=locked,
        actor=user,
        township=locked.township.code,
        detail={"from": source, "to": target, "note": note[:200]},
    )
    return locked


def _ensure_bureau(user, action: str) -> None:
    if scope_for(user).role != Role.BUREAU:
        raise PermissionDenied(ONLY_BUREAU.format(action=_ACTION_LABELS[action]))


def report_submit(*, acting_user, report: QuarterReport, note: str = "") -> QuarterReport:
    """Submit the quarter: the checks run now and are kept (a refused submission keeps them too, so the
    clerk sees why); errors block, warnings need a note."""
    ensure_township_writable(acting_user, report.township_id)
    if quarter_end(report.year, report.quarter) >= timezone.localdate():
        raise ValidationError(QUARTER_NOT_ENDED.format(year=report.year, quarter=report.quarter))
    run = quality_run(acting_user=acting_user, report=report)
    note = (note or "").strip()
    if run.errors:
        raise ValidationError(ERRORS_BLOCK.format(count=run.errors), code="errors")
    if run.warnings and not note:
        raise ValidationError(WARNINGS_NEED_NOTE.format(count=run.warnings), code="warnings")
    with transaction.atomic():
        return _move(report, action=Action.SUBMIT, user=acting_user, note=note, run=run)


@transaction.atomic
def report_return(*, acting_user, report: QuarterReport, reason: str) -> QuarterReport:
    _ensure_bureau(acting_user, Action.RETURN)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(RETURN_NEEDS_REASON, code="reason")
    moved = _move(report, action=Action.RETURN, user=acting_user, note=reason)
    notifications.notify_returned(report=moved, event=moved.events.order_by("-pk").first())
    return moved


@transaction.atomic
def report_approve(*, acting_user, report: QuarterReport, note: str = "") -> QuarterReport:
    """Approve the submission and lock the township's quarter through the lock service (DESIGN.md §4.8)."""
    _ensure_bureau(acting_user, Action.APPROVE)
    moved = _move(report, action=Action.APPROVE, user=acting_user, note=(note or "").strip())
    quarter_lock(
        acting_user=acting_user,
        year=moved.year,
        quarter=moved.quarter,
        township=moved.township,
        reason=str(_("季度报送审核通过")),
    )
    notifications.notify_approved(report=moved, event=moved.events.order_by("-pk").first())
    return moved


@transaction.atomic
def report_exception_grant(*, acting_user, report: QuarterReport, clerk, until, reason: str):
    """Open the approved (locked) quarter for a named clerk until a date (issue 23, item 4)."""
    exception = quarter_exception_grant(
        acting_user=acting_user,
        township=report.township,
        year=report.year,
        quarter=report.quarter,
        clerk=clerk,
        until=until,
        reason=reason,
    )
    audit.audit_event_on_commit(
        "quarter_exception",
        obj=report,
        actor=acting_user,
        township=report.township.code,
        detail={"clerk": clerk.get_username(), "until": until.isoformat(), "reason": reason.strip()[:200]},
    )
    notifications.notify_unlock(exception=exception)
    return exception


DEADLINE_BEFORE_END = _("报送截止日期不能早于季度结束日（{end}）。")


@transaction.atomic
def deadline_set(*, acting_user, year: int, quarter: int, deadline):
    """Bureau staff move a quarter's submission deadline (issue 23, item 5); logged in the audit trail."""
    from .models import ReportingDeadline

    if scope_for(acting_user).role != Role.BUREAU:
        raise PermissionDenied(ONLY_BUREAU.format(action=_("设置报送截止日期")))
    end = quarter_end(year, quarter)
    if deadline <= end:
        raise ValidationError(DEADLINE_BEFORE_END.format(end=end.isoformat()))
    row, _created = ReportingDeadline.objects.update_or_create(
        year=year, quarter=quarter, defaults={"deadline": deadline, "set_by": acting_user}
    )
    return row


def report_reopen_on_unlock(*, acting_user, township_id: int, year: int, quarter: int, reason: str) -> None:
    """Bureau staff unlocked a township's quarter (`targets.services.quarter_unlock`, e.g. in the admin): an
    approved report of that quarter goes back to the clerk as returned, with the unlock's reason as the
    note they see first — the data may change again, so it is submitted and approved again. Called from
    the unlock event (reporting/apps.py: targets may not import this app)."""
    report = QuarterReport.objects.filter(
        township_id=township_id, year=year, quarter=quarter, status=Status.APPROVED
    ).first()
    if report is not None:
        moved = _move(report, action=Action.REOPEN, user=acting_user, note=reason)
        notifications.notify_returned(report=moved, event=moved.events.order_by("-pk").first())
