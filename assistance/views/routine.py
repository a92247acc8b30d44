"""The clerk's "1131" pages: the landing redirect (bureau to the board, clerks to their worklist), the
worklist of people in assistance whose routine of the year is incomplete, recording and deleting one service
from a person's page, and the spreadsheet import of service records.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_POST

from targets.models import Role
from targets.scoping import scope_for, visible_townships

from .. import exports, forms, imports, selectors, services
from ..models import ServiceRecord
from ._common import (
    YEARS,
    _form_messages,
    _import_page,
    _listing,
    _page,
    _role_check,
    _scoped_or_404,
    _search_name,
    _township_filter,
    _worker,
    _xlsx,
    _year,
)


@login_required
def index(request):
    denied = _role_check(request)
    if denied:
        return denied
    if scope_for(request.user).role == Role.BUREAU:
        return redirect("assistance:board")
    return redirect("assistance:worklist")


@login_required
def worklist(request):
    """The clerk's people in assistance with an incomplete 1131 routine this year, longest waiting first."""
    denied = _role_check(request)
    if denied:
        return denied
    year = _year(request)
    township = _township_filter(request)
    people = selectors.worklist(user=request.user, year=year)
    if township is not None:
        people = people.filter(township=township)
    people, term = _search_name(people, request)
    if request.GET.get("format") == "xlsx":
        return _xlsx(
            exports.worklist_xlsx(user=request.user, people=people, year=year), f"1131待办-{year}.xlsx"
        )
    page = _page(request, people)
    rows = [
        {"worker": w, "missing": selectors.routine_missing(w), "wish": selectors.wish_label(w.wish)}
        for w in page.object_list
    ]
    return render(
        request,
        "assistance/worklist.html",
        {
            "page": page,
            "rows": rows,
            "year": year,
            "years": YEARS,
            "township": township,
            "townships": visible_townships(request.user),
            **_listing(request, page, term),
        },
    )


@login_required
@require_POST
def service_add(request, pk: int):
    denied = _role_check(request)
    if denied:
        return denied
    worker = _worker(request, pk)
    form = forms.ServiceForm(request.POST)
    if form.is_valid():
        try:
            services.service_record(acting_user=request.user, worker=worker, **form.cleaned_data)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _g("服务记录已保存。"))
            url = reverse("assistance:person", args=[worker.pk])
            return redirect(f"{url}?year={form.cleaned_data['date'].year}")
    for message in _form_messages(form):
        messages.error(request, message)
    return redirect("assistance:person", pk=worker.pk)


@login_required
def service_delete(request, pk: int):
    denied = _role_check(request)
    if denied:
        return denied
    record = _scoped_or_404(ServiceRecord.objects.select_related("worker"), request, pk)
    if request.method == "POST":
        services.service_delete(acting_user=request.user, record=record)
        messages.success(request, _g("服务记录已删除。"))
        return redirect("assistance:person", pk=record.worker_id)
    return render(request, "assistance/service_delete.html", {"record": record})


@login_required
def services_import(request):
    denied = _role_check(request)
    if denied:
        return denied
    return _import_page(
        request,
        title=_g("导入“1131”服务记录"),
        run=lambda upload, dry_run: imports.services_import(
            acting_user=request.user, file_obj=upload, file_name=upload.name, dry_run=dry_run
        ),
        headers=imports.SERVICE_HEADERS,
        back=("assistance:worklist", None),
        parents=[(_g("“1131”就业帮扶待办"), reverse("assistance:worklist"))],
    )
