"""Subsidy application pages: the township's list, choosing a kind, create and edit forms, one application.

The list filters by status, kind, year, township and a search; create and edit are for writers of the
application's township (clerks and bureau staff) and only while 草稿. The detail page shows the ledger record,
earlier subsidies of the same applicant, the remaining caps, the event log, the attachments and the moves
the user may make (`moves.available_moves`).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from targets.scoping import scope_for, visible_townships

from .. import rules, selectors, services
from ..forms import ApplicationForm, AttachmentForm
from ..models import Status, SubsidyKind
from ..services import PLAN_YEARS
from ._common import PER_PAGE, _application, _guard, _query, _year
from .moves import available_moves

READ_ONLY = _("您的账号不能录入补贴申请。")


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
