"""Pages of the monitoring list (issue 26): the lists taken in, the upload and its confirmation page (bureau
staff), the comparison per township and its drill-down lists with their .xlsx (bureau staff and, for their own
township, township clerks). Scoping: `targets.scoping`; rules: `monitoring.services` and `monitoring.selectors`.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from targets.models import Role
from targets.scoping import scope_for, visible_townships

from . import exports, selectors, services
from .forms import ListUploadForm
from .models import MonitoringList

PER_PAGE = 50
NOT_FOR_ROLE = _("您的账号不能查看监测名单比对。")
ONLY_BUREAU = _("监测名单由区人力社保局工作人员导入和确认。")


def _deny(request, message, status=403):
    return render(request, "targets/notice.html", {"message": message}, status=status)


def _role_check(request, *, bureau_only: bool = False):
    scope = scope_for(request.user)
    if scope.role is None or scope.is_empty:
        return render(request, "no_assignment.html", status=403)
    if bureau_only and (scope.role != Role.BUREAU or not scope.can_write):
        return _deny(request, ONLY_BUREAU)
    if scope.role not in (Role.BUREAU, Role.CLERK):
        return _deny(request, NOT_FOR_ROLE)
    return None


def _township_ids(request):
    """The townships the user sees, narrowed to `?township=CODE` (404 if that one is not visible)."""
    code = request.GET.get("township") or ""
    townships = visible_townships(request.user)
    if code:
        township = townships.filter(code=code).first()
        if township is None:
            raise Http404
        return [township.pk], township
    scope = scope_for(request.user)
    return (None if scope.all_townships else sorted(scope.township_ids)), None


def _applied(pk: int) -> MonitoringList:
    return get_object_or_404(MonitoringList, pk=pk, status=MonitoringList.Status.APPLIED)


@login_required
def index(request):
    denied = _role_check(request)
    if denied:
        return denied
    bureau = scope_for(request.user).role == Role.BUREAU
    lists = MonitoringList.objects.order_by("-list_date", "-id")
    if not bureau:
        lists = lists.filter(status=MonitoringList.Status.APPLIED)
    return render(request, "monitoring/index.html", {"lists": lists[:100], "bureau": bureau})


@login_required
def upload(request):
    denied = _role_check(request, bureau_only=True)
    if denied:
        return denied
    form = ListUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            result = services.monitoring_list_upload(
                acting_user=request.user,
                file_obj=upload_file,
                file_name=upload_file.name,
                list_date=form.cleaned_data["list_date"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if result.ok:
                return redirect("monitoring:confirm", pk=result.snapshot.pk)
    status = 400 if request.method == "POST" and (result is None or not result.ok) else 200
    return render(
        request,
        "monitoring/upload.html",
        {"form": form, "result": result, "headers": services.ALL_HEADERS, "required": services.REQUIRED},
        status=status,
    )


@login_required
def confirm(request, pk: int):
    denied = _role_check(request, bureau_only=True)
    if denied:
        return denied
    snapshot = get_object_or_404(MonitoringList, pk=pk)
    if snapshot.status == MonitoringList.Status.APPLIED:
        return redirect("monitoring:report", pk=snapshot.pk)
    if snapshot.status != MonitoringList.Status.PENDING:
        return redirect("monitoring:index")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "discard":
                services.monitoring_list_discard(acting_user=request.user, snapshot=snapshot)
                messages.success(request, _g("已放弃这份名单，台账未作任何改动。"))
                return redirect("monitoring:index")
            snapshot = services.monitoring_list_apply(acting_user=request.user, snapshot=snapshot)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
            return redirect("monitoring:confirm", pk=pk)
        messages.success(request, services.summary(snapshot))
        return redirect("monitoring:report", pk=snapshot.pk)
    plan = services.monitoring_list_plan(snapshot=snapshot)
    return render(request, "monitoring/confirm.html", {"snapshot": snapshot, "plan": plan})


@login_required
def report(request, pk: int):
    denied = _role_check(request)
    if denied:
        return denied
    snapshot = _applied(pk)
    ids, _township = _township_ids(request)
    figures = selectors.comparison_figures(snapshot=snapshot, township_ids=ids)
    names = dict(visible_townships(request.user).values_list("pk", "name"))
    codes = dict(visible_townships(request.user).values_list("pk", "code"))
    rows = [
        {"township": names[t], "code": codes[t], **f}
        for t, f in sorted(figures.items(), key=lambda item: codes.get(item[0], ""))
        if t in names
    ]
    keys = ["people", "all_households", *selectors.GAPS]
    totals = {k: sum(r[k] for r in rows) for k in keys}
    return render(
        request,
        "monitoring/report.html",
        {
            "snapshot": snapshot,
            "rows": rows,
            "totals": totals,
            "gaps": selectors.GAPS,
            "today": timezone.localdate(),
        },
    )


@login_required
def gap(request, pk: int, gap: str):
    denied = _role_check(request)
    if denied:
        return denied
    if gap not in selectors.GAPS:
        raise Http404
    snapshot = _applied(pk)
    ids, township = _township_ids(request)
    if gap == "households":
        rows = selectors.gap_households(snapshot=snapshot, township_ids=ids)
    else:
        rows = selectors.gap_people(snapshot=snapshot, gap=gap, township_ids=ids)
    if request.GET.get("format") == "xlsx":
        content = exports.gap_xlsx(user=request.user, snapshot=snapshot, gap=gap, rows=rows)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = f"监测名单比对-{snapshot.list_date}-{selectors.GAPS[gap]}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        response["Cache-Control"] = "no-store"
        return response
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    if gap != "households":
        for entry in page:
            entry.status_label = exports.status_label(entry)
    return render(
        request,
        "monitoring/gap.html",
        {
            "snapshot": snapshot,
            "gap": gap,
            "gap_label": selectors.GAPS[gap],
            "page": page,
            "township": township,
            "townships": visible_townships(request.user).order_by("code"),
            "today": timezone.localdate(),
        },
    )


@login_required
def status_export(request, pk: int):
    """The status of the list's people in the monitoring system's keys (.xlsx), district or one township."""
    denied = _role_check(request, bureau_only=True)
    if denied:
        return denied
    snapshot = _applied(pk)
    ids, township = _township_ids(request)
    rows = selectors.status_entries(snapshot=snapshot, township_ids=ids)
    content = exports.status_xlsx(user=request.user, snapshot=snapshot, rows=rows, township=township)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    where = township.name if township else "全区"
    filename = f"监测对象就业状态-{where}-{snapshot.list_date}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response
