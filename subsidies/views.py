"""Subsidy pages: the township's applications, the reviewers' queue with bulk actions, one application with
its ledger record, earlier subsidies and remaining caps, the workflow moves (each confirmed first), attachments,
the public notice, the summary and the .xlsx exports.

Thin: parse input → selector/service → render. Every application is looked up through
`selectors.applications_for(user)`, so another township's application is a 404 for a clerk, whatever the URL;
every move goes through the service of that move, which checks role, scope and four eyes again.

| page / action          | clerk            | reviewer | bureau | industry, no assignment |
|------------------------|------------------|----------|--------|-------------------------|
| list, detail, notice   | own township     | all      | all    | 403                     |
| create, edit, upload   | own township     | —        | all    | 403                     |
| review queue, bulk     | —                | all      | all    | 403                     |
| summary, totals .xlsx  | own township     | all      | all    | 403                     |
| payment list .xlsx     | —                | —        | yes    | 403                     |
"""

from io import BytesIO
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from targets import audit
from targets.models import Role
from targets.scoping import scope_for, visible_townships
from wanzhou_jobs.spreadsheets import write_xlsx

from . import files, rules, selectors, services
from .forms import ApplicationForm, ApproveForm, AttachmentForm, CommentForm, PayForm, ReasonForm
from .models import ApplicationEvent, Attachment, Status, SubsidyKind
from .services import PLAN_YEARS

Action = ApplicationEvent.Action
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 30
NO_SUBSIDIES = _("您的账号没有办理补贴的权限。")
ONLY_REVIEWERS = _("本页面仅供审核员和区人力社保局使用。")
ONLY_BUREAU = _("发放清单含完整身份证号，仅供区人力社保局导出。")
READ_ONLY = _("您的账号不能录入补贴申请。")

#: The moves offered on an application page: action → (button label, form class, irreversible?).
MOVES = {
    Action.SUBMIT: (_("提交审核"), CommentForm),
    Action.TOWNSHIP_APPROVE: (_("镇街初审通过"), CommentForm),
    Action.DISTRICT_APPROVE: (_("区级审核通过"), ApproveForm),
    Action.REJECT: (_("驳回"), ReasonForm),
    Action.NOTICE_START: (_("开始公示"), CommentForm),
    Action.NOTICE_END: (_("公示期满，转待发放"), CommentForm),
    Action.PAY: (_("登记发放"), PayForm),
    Action.WITHDRAW: (_("撤销申请"), ReasonForm),
}
BULK_ACTIONS = (Action.TOWNSHIP_APPROVE, Action.DISTRICT_APPROVE, Action.NOTICE_START, Action.NOTICE_END)


def _deny(request, message, status=403):
    return render(request, "subsidies/notice_message.html", {"message": message}, status=status)


def _guard(request):
    if not selectors.can_use_subsidies(request.user):
        raise PermissionDenied(NO_SUBSIDIES)


def _application(request, pk: int):
    application = selectors.applications_for(request.user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def _year(value) -> int | None:
    return int(value) if value and str(value).isdigit() and 2000 < int(value) < 2100 else None


def _query(request, *keys: str) -> str:
    """The page's own filters, for pager and export links (never echoes parameters it does not know)."""
    return urlencode({k: request.GET[k] for k in keys if request.GET.get(k)})


@login_required
def application_list(request):
    _guard(request)
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    kind = request.GET.get("kind", "")
    year = _year(request.GET.get("year"))
    township = request.GET.get("township", "")
    search = request.GET.get("q", "")[:50]
    queryset = selectors.application_list(
        user=request.user, status=status, kind=kind, year=year, township=township, search=search
    )
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    townships = visible_townships(request.user)
    counts = selectors.status_counts(user=request.user)
    return render(
        request,
        "subsidies/application_list.html",
        {
            "page": page,
            "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
            "kinds": SubsidyKind.objects.all(),
            "years": PLAN_YEARS,
            "townships": townships if townships.count() > 1 else None,
            "filters": {"status": status, "kind": kind, "year": year, "township": township, "q": search},
            "query": _query(request, "status", "kind", "year", "township", "q"),
            "can_create": scope_for(request.user).can_write,
        },
    )


@login_required
def application_new(request):
    _guard(request)
    if not scope_for(request.user).can_write:
        raise PermissionDenied(READ_ONLY)
    return render(
        request, "subsidies/application_new.html", {"kinds": SubsidyKind.objects.filter(active=True)}
    )


def _form_page(request, *, kind, instance=None):
    form = ApplicationForm(
        request.POST if request.method == "POST" else None, kind=kind, user=request.user, instance=instance
    )
    if request.method == "POST" and form.is_valid():
        try:
            data = form.to_data()
            if instance is None:
                application = services.application_create(acting_user=request.user, data=data)
                messages.success(request, _("申请已保存为草稿。上传证明材料后即可提交审核。"))
            else:
                application = services.application_update(
                    acting_user=request.user, application=instance, data=data
                )
                messages.success(request, _("申请已修改。"))
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            return redirect("subsidies:detail", pk=application.pk)
    return render(
        request, "subsidies/application_form.html", {"form": form, "kind": kind, "application": instance}
    )


@login_required
def application_create(request, code: str):
    _guard(request)
    if not scope_for(request.user).can_write:
        raise PermissionDenied(READ_ONLY)
    kind = SubsidyKind.objects.filter(code=code, active=True).first()
    if kind is None:
        raise Http404
    return _form_page(request, kind=kind)


@login_required
def application_edit(request, pk: int):
    _guard(request)
    application = _application(request, pk)
    if application.status != Status.DRAFT or not scope_for(request.user).can_write:
        raise PermissionDenied(_("只有草稿状态的申请可以修改。"))
    return _form_page(request, kind=application.kind, instance=application)


def available_moves(user, application) -> list[tuple[str, str]]:
    """Buttons to show: moves whose status allows them and whose role fits (the service checks again)."""
    scope = scope_for(user)
    role = scope.role
    reviewer = role in (Role.REVIEWER, Role.BUREAU)
    writer = scope.can_write and scope.sees_township(application.township_id)
    moves = []
    for action, (label, _form) in MOVES.items():
        allowed, _target = services.TRANSITIONS[action]
        if application.status not in allowed:
            continue
        if action == Action.SUBMIT and not writer:
            continue
        if action == Action.TOWNSHIP_APPROVE and not (reviewer or writer):
            continue
        if action == Action.REJECT and not (reviewer or (writer and application.status == Status.SUBMITTED)):
            continue
        if (
            action in (Action.DISTRICT_APPROVE, Action.NOTICE_START, Action.NOTICE_END, Action.PAY)
            and not reviewer
        ):
            continue
        if action == Action.WITHDRAW and not (
            writer and (role == Role.BUREAU or application.status in services.CLERK_WITHDRAWABLE)
        ):
            continue
        moves.append((action, label))
    return moves


@login_required
def application_detail(request, pk: int):
    _guard(request)
    application = _application(request, pk)
    scope = scope_for(request.user)
    writer = scope.can_write and scope.sees_township(application.township_id)
    return render(
        request,
        "subsidies/application_detail.html",
        {
            "application": application,
            "lines": application.lines.select_related("worker"),
            "worker": application.worker,
            "employments": application.worker.employments.select_related("employer", "industry")[:10]
            if application.worker_id
            else [],
            "earlier": selectors.earlier_subsidies(application=application, user=request.user)[:50],
            "caps": rules.remaining(application),
            "events": application.events.select_related("user"),
            "attachments": application.attachments.all(),
            "moves": available_moves(request.user, application),
            "can_edit": writer and application.status == Status.DRAFT,
            "can_attach": writer and application.status in (Status.DRAFT, Status.SUBMITTED),
            "attachment_form": AttachmentForm(),
            "max_mb": max(settings.SUBSIDY_ATTACHMENT_MAX_BYTES // (1024 * 1024), 1),
            "payment": getattr(application, "payment", None) if application.status == Status.PAID else None,
        },
    )


def _run_move(request, application, action, form):
    service = services.TRANSITION_SERVICES[action]
    kwargs = {"acting_user": request.user, "application": application}
    data = form.cleaned_data
    if action in (Action.REJECT, Action.WITHDRAW):
        kwargs["reason"] = data["reason"]
    elif action == Action.PAY:
        kwargs.update(paid_on=data["paid_on"], voucher_no=data["voucher_no"])
    else:
        kwargs["comment"] = data.get("comment", "")
        if action == Action.DISTRICT_APPROVE:
            kwargs["amount"] = data["amount"]
    return service(**kwargs)


@login_required
def application_move(request, pk: int, action: str):
    """GET: the confirmation page of a move; POST: the move itself."""
    _guard(request)
    if action not in MOVES:
        raise Http404
    application = _application(request, pk)
    label, form_class = MOVES[action]
    initial = {}
    if action == Action.DISTRICT_APPROVE:
        initial["amount"] = application.amount_requested
    if action == Action.PAY:
        initial["paid_on"] = timezone.localdate()
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _run_move(request, application, action, form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or str(NO_SUBSIDIES))
        else:
            messages.success(request, _("已{label}：{number}").format(label=label, number=application.number))
            return redirect("subsidies:detail", pk=application.pk)
    return render(
        request,
        "subsidies/application_move.html",
        {
            "application": application,
            "action": action,
            "label": label,
            "form": form,
            "caps": rules.remaining(application),
        },
    )


# --- Attachments -----------------------------------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request, pk: int):
    _guard(request)
    application = _application(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("subsidies:detail", pk=application.pk)
    upload = form.cleaned_data["file"]
    try:
        services.attachment_add(
            acting_user=request.user, application=application, file_obj=upload, file_name=upload.name
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("附件已上传。"))
    return redirect("subsidies:detail", pk=application.pk)


def _attachment(request, pk: int) -> Attachment:
    attachment = (
        Attachment.objects.filter(
            pk=pk, application__in=selectors.applications_for(request.user).values("pk")
        )
        .select_related("application")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


@login_required
def attachment_download(request, pk: int):
    _guard(request)
    attachment = _attachment(request, pk)
    path = files.path_of(attachment.stored_name)
    if not path.exists():
        raise Http404
    audit.audit_event(
        "attachment_download",
        obj=attachment,
        actor=request.user,
        detail={"application": attachment.application_id, "name": attachment.original_name},
    )
    response = FileResponse(path.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(attachment.original_name)}"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def attachment_delete(request, pk: int):
    _guard(request)
    attachment = _attachment(request, pk)
    if request.method == "POST":
        try:
            services.attachment_delete(acting_user=request.user, attachment=attachment)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("附件已删除。"))
        return redirect("subsidies:detail", pk=attachment.application_id)
    return render(request, "subsidies/attachment_delete.html", {"attachment": attachment})


# --- Reviewers' queue and bulk actions ---------------------------------------------------------------------


@login_required
def review_queue(request):
    _guard(request)
    if not selectors.is_reviewer(request.user):
        return _deny(request, ONLY_REVIEWERS)
    status = request.GET.get("status", Status.TOWNSHIP_APPROVED)
    queryset = selectors.review_queue(user=request.user)
    if status in Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    if request.method == "POST":
        return _bulk(request)
    return render(
        request,
        "subsidies/review_queue.html",
        {
            "page": page,
            "status": status,
            "statuses": [
                (s, Status(s).label)
                for s in (
                    Status.SUBMITTED,
                    Status.TOWNSHIP_APPROVED,
                    Status.DISTRICT_APPROVED,
                    Status.PUBLIC_NOTICE,
                    Status.PAYABLE,
                )
            ],
            "bulk_actions": [(a, MOVES[a][0]) for a in BULK_ACTIONS],
            "query": _query(request, "status"),
        },
    )


def _bulk(request):
    """Two steps: the selection is shown for confirmation; `confirm=1` runs each move in its own transaction."""
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        messages.error(request, _("请选择批量操作。"))
        return redirect("subsidies:review")
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()][:200]
    chosen = list(selectors.review_queue(user=request.user).filter(pk__in=ids))
    if not chosen:
        messages.error(request, _("请先勾选申请。"))
        return redirect("subsidies:review")
    if request.POST.get("confirm") != "1":
        return render(
            request,
            "subsidies/bulk_confirm.html",
            {"action": action, "label": MOVES[action][0], "applications": chosen},
        )
    done, failed = 0, []
    for application in chosen:
        try:
            services.TRANSITION_SERVICES[action](acting_user=request.user, application=application)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            failed.append(f"{application.number}：{text}")
    if done:
        messages.success(request, _("{label}：成功 {n} 件。").format(label=MOVES[action][0], n=done))
    for line in failed:
        messages.error(request, line)
    return redirect("subsidies:review")


# --- Public notice, summary, exports ------------------------------------------------------------------------


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


def _note(request) -> str:
    return _("导出人：{user} · 导出时间：{at}").format(
        user=request.user.username, at=timezone.localtime().strftime("%Y-%m-%d %H:%M")
    )


def _notice_subject(application) -> tuple[str, str]:
    """(name, masked ID) as the public notice shows them (GB/T 35273: no full ID number in public)."""
    if application.worker_id:
        return application.worker.name, application.worker.masked_id_number
    return application.applicant_label, ""


@login_required
def notice(request):
    _guard(request)
    year = _year(request.GET.get("year"))
    township = request.GET.get("township", "")
    queryset = selectors.notice_rows(user=request.user, year=year, township=township)
    if request.GET.get("format") == "xlsx":
        rows = []
        for n, a in enumerate(queryset, start=1):
            name, masked = _notice_subject(a)
            rows.append(
                [
                    n,
                    a.township.name,
                    a.kind.name,
                    name,
                    masked,
                    a.lines.count() or "",
                    a.amount_approved,
                    a.notice_start,
                    a.notice_end,
                ]
            )
        buffer = BytesIO()
        headers = [
            "序号",
            "镇乡街道",
            "补贴类别",
            "申请对象",
            "公民身份号码",
            "申领人数",
            "核定金额（元）",
            "公示开始",
            "公示截止",
        ]
        write_xlsx(buffer, [("公示名单", headers, rows)], title="补贴公示名单", note=_note(request))
        audit.audit_event(
            "export", actor=request.user, detail={"export": "subsidy_notice", "rows": len(rows)}
        )
        return _xlsx(buffer.getvalue(), f"补贴公示名单-{timezone.localdate():%Y%m%d}.xlsx")
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    townships = visible_townships(request.user)
    return render(
        request,
        "subsidies/notice.html",
        {
            "page": page,
            "rows": [(a, *_notice_subject(a)) for a in page],
            "years": PLAN_YEARS,
            "year": year,
            "township": township,
            "townships": townships if townships.count() > 1 else None,
            "query": _query(request, "year", "township"),
        },
    )


@login_required
def payment_export(request):
    _guard(request)
    if scope_for(request.user).role != Role.BUREAU:
        return _deny(request, ONLY_BUREAU)
    year = _year(request.GET.get("year"))
    status = Status.PAID if request.GET.get("status") == Status.PAID else Status.PAYABLE
    rows = []
    for n, a in enumerate(selectors.payment_rows(user=request.user, year=year, status=status), start=1):
        payment = getattr(a, "payment", None) if a.status == Status.PAID else None
        rows.append(
            [
                n,
                a.number,
                a.township.name,
                a.kind.name,
                a.get_applicant_type_display(),
                a.applicant_label,
                a.worker.id_number if a.worker_id else "",
                a.worker.phone if a.worker_id else "",
                a.employer.credit_code if a.employer_id else "",
                a.amount_requested,
                a.amount_approved,
                a.notice_end,
                payment.paid_on if payment else None,
                payment.voucher_no if payment else "",
            ]
        )
    headers = [
        "序号",
        "申请编号",
        "镇乡街道",
        "补贴类别",
        "申请对象类型",
        "申请对象",
        "公民身份号码",
        "联系电话",
        "统一社会信用代码",
        "申请金额（元）",
        "核定金额（元）",
        "公示截止",
        "发放日期",
        "凭证号",
    ]
    buffer = BytesIO()
    title = "补贴发放清单（待发放）" if status == Status.PAYABLE else "补贴发放清单（已发放）"
    write_xlsx(buffer, [("发放清单", headers, rows)], title=title, note=_note(request))
    audit.audit_event("export", actor=request.user, detail={"export": "subsidy_payments", "rows": len(rows)})
    return _xlsx(buffer.getvalue(), f"补贴发放清单-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def totals_export(request):
    _guard(request)
    year = _year(request.GET.get("year")) or timezone.localdate().year
    rows = [
        [r["kind__name"], r["township__name"], r["count"], r["applied"], r["approved"], r["paid"]]
        for r in selectors.yearly_totals(user=request.user, year=year)
    ]
    buffer = BytesIO()
    headers = ["补贴类别", "镇乡街道", "申请件数", "申请金额（元）", "核定金额（元）", "已发放金额（元）"]
    write_xlsx(
        buffer, [(f"{year}年", headers, rows)], title=f"{year}年补贴分类别分镇街合计", note=_note(request)
    )
    return _xlsx(buffer.getvalue(), f"补贴年度合计-{year}.xlsx")


@login_required
def summary(request):
    _guard(request)
    year = _year(request.GET.get("year")) or min(
        max(timezone.localdate().year, min(PLAN_YEARS)), max(PLAN_YEARS)
    )
    return render(
        request,
        "subsidies/summary.html",
        {
            "year": year,
            "years": PLAN_YEARS,
            "by_kind": selectors.summary_by(user=request.user, year=year, group="kind"),
            "by_township": selectors.summary_by(user=request.user, year=year, group="township"),
            "by_month": selectors.summary_by(user=request.user, year=year, group="month"),
            "budgets": selectors.budget_rows(user=request.user, year=year),
            "is_bureau": scope_for(request.user).role == Role.BUREAU,
        },
    )
