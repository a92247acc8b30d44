"""Pages of the quarterly cycle (issue 23): a township's quarter (submit, review, unlock exception) and the
calendar of every township × quarter. Thin: parse, check role and scope, call a service or a selector.

| page            | bureau                                   | clerk                               | industry / reviewer |
|-----------------|------------------------------------------|-------------------------------------|---------------------|
| calendar        | every township                           | own township                        | 403                 |
| quarter page    | any township: return, approve, exception | own township (else 404): check, submit | 403              |
"""

import contextlib
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import QuarterUnlockException, Role, StaffAssignment
from targets.scoping import scope_for, visible_townships
from targets.selectors_dashboard import parse_year, pct, plan_years
from targets.services import quarter_end, quarter_of
from targets.views._common import _role_or_response

from . import services
from .models import QualityFinding, QuarterReport
from .quality import RULES, rule_name, threshold
from .selectors import calendar, latest_run, quarter_glance, report_events, reporting_rates

ALLOWED = (Role.BUREAU, Role.CLERK)
UNKNOWN_ACTION = _("无法识别的操作，请在页面上点击按钮提交。")
DEADLINE_INVALID = _("请选择季度并按“2026-04-10”的格式填写截止日期。")
DEADLINE_SET = _("{year}年第{quarter}季度报送截止日期已改为{deadline}。")
UNTIL_INVALID = _("请按“2026-01-31”的格式填写开放截止日期。")
CLERK_INVALID = _("请选择本镇乡街道的一名经办员。")
DONE = {
    "check": _("数据质量检查已完成。"),
    "submit": _("已报送，等待区人力社保局审核。"),
    "return": _("已退回，经办员登录后首页即可看到退回原因。"),
    "approve": _("已审核通过，本镇乡街道该季度已锁定。"),
    "exception": _("已临时开放，到期后自动关闭。"),
}


def _quarter_from(data) -> tuple[int, int]:
    """The requested (year, quarter); by default the last quarter that has ended."""
    year, quarter = quarter_of(timezone.localdate())
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    with contextlib.suppress(ValueError):
        quarter = int(data.get("quarter") or quarter)
    if data.get("year"):
        year = parse_year(data.get("year"))
    return year, quarter if quarter in (1, 2, 3, 4) else 1


@login_required
def calendar_page(request):
    """The calendar of township × quarter states, each quarter's deadline and the reporting and timeliness
    rates; bureau staff move a deadline here (POST)."""
    role, denied = _role_or_response(request, ALLOWED)
    if denied:
        return denied
    year = parse_year(request.POST.get("year") if request.method == "POST" else request.GET.get("year"))
    status = 200
    if request.method == "POST":
        try:
            try:
                deadline = date.fromisoformat(request.POST.get("deadline", "").strip())
                quarter = int(request.POST.get("quarter", ""))
            except ValueError:
                raise ValidationError(DEADLINE_INVALID) from None
            services.deadline_set(acting_user=request.user, year=year, quarter=quarter, deadline=deadline)
        except (ValidationError, PermissionDenied) as error:
            for message in getattr(error, "messages", [str(error)]):
                messages.error(request, message)
            status = 403 if isinstance(error, PermissionDenied) else 400
        else:
            messages.success(request, DEADLINE_SET.format(year=year, quarter=quarter, deadline=deadline))
            return redirect(f"{reverse('reporting:calendar')}?year={year}")
    scope = scope_for(request.user)
    data = calendar(year=year, township_ids=None if scope.all_townships else scope.township_ids)
    rates = reporting_rates(year=year)
    for row in rates:
        row["reporting_display"] = pct(row["reporting_rate"])
        row["timeliness_display"] = pct(row["timeliness_rate"])
    today = timezone.localdate()
    for row in data["rows"]:
        for cell, rate in zip(row["cells"], rates, strict=True):
            cell["overdue"] = cell["state"] in ("open", "returned") and rate["deadline"] < today
    return render(
        request,
        "reporting/calendar.html",
        {
            "cal": data,
            "rates": rates,
            "year": year,
            "years": plan_years(),
            "role": role,
            "quarters": (1, 2, 3, 4),
        },
        status=status,
    )


def _clerks(township):
    users = get_user_model().objects.filter(
        pk__in=StaffAssignment.objects.filter(role=Role.CLERK, township=township).values("user_id"),
        is_active=True,
    )
    return users.order_by("username")


def _act(request, action: str, report: QuarterReport) -> None:
    post = request.POST
    user = request.user
    if action == "check":
        services.quality_run(acting_user=user, report=report)
    elif action == "submit":
        services.report_submit(acting_user=user, report=report, note=post.get("note", ""))
    elif action == "return":
        services.report_return(acting_user=user, report=report, reason=post.get("reason", ""))
    elif action == "approve":
        services.report_approve(acting_user=user, report=report, note=post.get("note", ""))
    elif action == "exception":
        try:
            until = date.fromisoformat(post.get("until", "").strip())
        except ValueError:
            raise ValidationError(UNTIL_INVALID) from None
        clerk = _clerks(report.township).filter(pk=post.get("clerk") or 0).first()
        if clerk is None:
            raise ValidationError(CLERK_INVALID)
        services.report_exception_grant(
            acting_user=user, report=report, clerk=clerk, until=until, reason=post.get("reason", "")
        )
    else:
        raise ValidationError(UNKNOWN_ACTION)


def _findings(run) -> list[dict]:
    if run is None:
        return []
    rows = []
    for finding in run.findings.all():
        ids = ",".join(map(str, finding.employment_ids))
        people = ",".join(map(str, finding.worker_ids))
        rows.append(
            {
                "finding": finding,
                "rule": rule_name(finding.rule),
                "jobs_url": f"{reverse('admin:workers_employment_changelist')}?id__in={ids}" if ids else "",
                "people_url": f"{reverse('admin:workers_worker_changelist')}?id__in={people}"
                if people
                else "",
                "is_error": finding.severity == QualityFinding.Severity.ERROR,
            }
        )
    return rows


@login_required
def quarter_page(request, code: str):
    role, denied = _role_or_response(request, ALLOWED)
    if denied:
        return denied
    township = get_object_or_404(visible_townships(request.user), code=code)
    year, quarter = _quarter_from(request.POST if request.method == "POST" else request.GET)
    here = f"{reverse('reporting:quarter', args=[township.code])}?year={year}&quarter={quarter}"
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            _act(request, action, services.report_get(township=township, year=year, quarter=quarter))
        except (ValidationError, PermissionDenied) as error:
            for message in getattr(error, "messages", [str(error)]):
                messages.error(request, message)
            status = 403 if isinstance(error, PermissionDenied) else 400
        else:
            messages.success(request, DONE[action])
            return redirect(here)
    report = QuarterReport.objects.filter(township=township, year=year, quarter=quarter).first()
    run = latest_run(report) if report else None
    glance = quarter_glance(township=township, year=year, quarter=quarter)
    today = timezone.localdate()
    exception = QuarterUnlockException.objects.filter(
        township=township, year=year, quarter=quarter, closed_at__isnull=True, until__gte=today
    ).first()
    context = {
        "township": township,
        "year": year,
        "quarter": quarter,
        "years": plan_years(),
        "quarters": (1, 2, 3, 4),
        "role": role,
        "report": report,
        "status": report.status if report else QuarterReport.Status.OPEN,
        "status_label": report.get_status_display() if report else QuarterReport.Status.OPEN.label,
        "ended": quarter_end(year, quarter) < today,
        "glance": glance,
        "completion": pct(glance["completion"]),
        "time_progress": pct(glance["time_progress"]),
        "run": run,
        "findings": _findings(run),
        "events": report_events(report) if report else [],
        "rules": [(str(name), threshold(code)) for code, (name, _f) in RULES.items()],
        "exception": exception,
        "clerks": _clerks(township) if role == Role.BUREAU else [],
        "tomorrow": today + timedelta(days=1),
    }
    return render(request, "reporting/quarter.html", context, status=status)


INBOX_PER_PAGE = 50
READ_DONE = _("已标记为已读。")
EMAIL_ON = _("已开启邮件提醒：新消息将同时发送到 {email}。")
EMAIL_OFF = _("已关闭邮件提醒。")
EMAIL_MISSING = _("您的账号没有登记邮箱，请联系系统管理员登记后再开启邮件提醒。")


@login_required
def inbox(request):
    """The user's own notifications (every role has an inbox); read marks and the email opt-in (POST)."""
    from .models import Notification, NotificationSetting
    from .notifications import email_opt_set, notification_read

    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "read":
            pk = request.POST.get("pk", "")
            notification_read(user=request.user, pk=int(pk) if pk.isdigit() else None)
            messages.success(request, READ_DONE)
        elif action in ("email_on", "email_off"):
            if action == "email_on" and not request.user.email:
                messages.error(request, EMAIL_MISSING)
            else:
                email_opt_set(user=request.user, email=action == "email_on")
                messages.success(
                    request, EMAIL_ON.format(email=request.user.email) if action == "email_on" else EMAIL_OFF
                )
        return redirect(reverse("reporting:inbox"))
    notes = list(Notification.objects.filter(user=request.user)[:INBOX_PER_PAGE])
    setting = NotificationSetting.objects.filter(user=request.user).first()
    return render(
        request,
        "reporting/inbox.html",
        {
            "notes": notes,
            "unread": sum(1 for n in notes if n.read_at is None),
            "email_on": bool(setting and setting.email),
        },
    )


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def notice(request):
    """The monthly 通报 as a Word document (bureau staff); the figures of the dashboard's snapshot."""
    from urllib.parse import quote

    from django.http import HttpResponse

    from targets.selectors_dashboard import dashboard_progress

    from .notice import notice_docx, notice_filename

    role, denied = _role_or_response(request, (Role.BUREAU,))
    if denied:
        return denied
    progress = dashboard_progress(year=parse_year(request.GET.get("year")))
    body = notice_docx(progress=progress, rates=reporting_rates(year=progress.year))
    response = HttpResponse(body, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(notice_filename(progress))}"
    return response
