"""Shared pieces of the assistance pages: the role check, the township filter and the 404 for a row outside
the user's scope, paging and the query string carried into pager and export links, the name or ID-number
search, the .xlsx response, the form errors turned into messages, and the import page that the service and
participant imports share. Nothing here decides a rule; it parses input and guards the door.
"""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import Role
from targets.scoping import scope_for, scope_queryset, visible_townships
from workers.models import Worker
from workers.services import normalise_name
from workers.validators import normalise_id_number

from .. import forms

PER_PAGE = 50
NOT_FOR_ROLE = _("您的账号不能查看就业帮扶数据。")
ONLY_BUREAU_PAGE = _("本页面仅供区人力社保局查看。")
PERSON_NOT_FOUND = _("台账中没有此公民身份号码的人员，或此人不属于您可以办理的镇乡街道。")
YEARS = (2025, 2026, 2027)


def _deny(request, message, status=403):
    return render(request, "targets/notice.html", {"message": message}, status=status)


def _role_check(request, allowed=(Role.BUREAU, Role.CLERK)):
    scope = scope_for(request.user)
    if scope.role is None or scope.is_empty:
        return render(request, "no_assignment.html", status=403)
    if scope.role not in allowed:
        return _deny(request, ONLY_BUREAU_PAGE if allowed == (Role.BUREAU,) else NOT_FOR_ROLE)
    return None


def _year(request) -> int:
    value = request.GET.get("year", "")
    today = timezone.localdate()
    return (
        int(value)
        if value.isdigit() and int(value) in YEARS
        else (today.year if today.year in YEARS else 2025)
    )


#: The query-string parameters list pages understand; only these are carried into pager and export links.
_LIST_PARAMS = ("year", "township", "q", "status", "kind", "sort", "mode", "hide_empty", "name")


def _listing(request, page, term: str = "") -> dict:
    """The search term and the query string for pager and export links. Nothing the user typed is echoed
    when it found nothing (a name or ID number of another township must not come back in the page), and
    unknown parameters are never carried along."""
    found = page.paginator.count > 0
    params = QueryDict(mutable=True)
    for key in _LIST_PARAMS:
        value = request.GET.get(key)
        if value and (key != "q" or found):
            params[key] = value
    return {"term": term if found else "", "page_query": params.urlencode()}


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def _township_filter(request):
    """The township chosen in the query string, which must be visible (else 404); None for all."""
    code = request.GET.get("township") or ""
    if not code:
        return None
    township = visible_townships(request.user).filter(code=code).first()
    if township is None:
        raise Http404
    return township


def _scoped_or_404(queryset, request, pk: int, township_field: str = "worker__township"):
    """The row `pk` of `queryset` if the user's township scope covers it, else 404 (never the data)."""
    row = scope_queryset(queryset, request.user, township_field=township_field).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def _worker(request, pk: int) -> Worker:
    return _scoped_or_404(Worker.objects.select_related("township", "household"), request, pk, "township")


def _writable_worker_by_id(request, id_number: str) -> Worker | None:
    try:
        id_number = normalise_id_number(id_number)
    except ValidationError:
        return None
    return scope_queryset(Worker.objects.all(), request.user, write=True).filter(id_number=id_number).first()


def _search_name(queryset, request, field="name"):
    term = (request.GET.get("q") or "").strip()
    if not term:
        return queryset, ""
    if any(ch.isdigit() for ch in term):
        # No partial search on ID numbers: digits match only a whole, valid number.
        try:
            return queryset.filter(**{field.replace("name", "id_number"): normalise_id_number(term)}), term
        except ValidationError:
            return queryset.none(), term
    # The stored spelling of a name: `买买提・艾力` finds `买买提·艾力`.
    return queryset.filter(**{f"{field}__icontains": normalise_name(term)}), term


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


def _township_ids(request, township):
    scope = scope_for(request.user)
    if township is not None:
        return [township.pk]
    return None if scope.all_townships else list(scope.township_ids)


def _form_messages(form) -> list[str]:
    out = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        out.extend(f"{label}：{e}" if label else str(e) for e in errors)
    return out


def _import_page(request, *, title, run, headers, back, parents):
    """The import page; `parents` are the breadcrumb's (label, url) between 就业帮扶 and the page."""
    if not scope_for(request.user).can_write:
        raise PermissionDenied(_("您的账号为只读账号，不能导入数据。"))
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = run(form.cleaned_data["file"], request.POST.get("dry_run") == "1")
        if result.ok and not result.dry_run:
            messages.success(request, result.summary)
    return render(
        request,
        "assistance/import.html",
        {
            "form": form,
            "title": title,
            "result": result,
            "headers": headers,
            "back": back,
            "parents": parents,
        },
        status=400 if result is not None and not result.ok else 200,
    )


def _person_record(request, pk: int, form_class, record, done: str):
    """A POST of one of the person page's small forms (an intention, a recognition, a health check): the
    role and the person's scope checked, the form validated, `record(acting_user=…, worker=…, **cleaned)`
    called (the service's refusal shown on the form's fields), back to the person's page with `done` or the
    errors as messages."""
    denied = _role_check(request)
    if denied:
        return denied
    worker = _worker(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            record(acting_user=request.user, worker=worker, **form.cleaned_data)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("assistance:person", pk=worker.pk)
    for message in _form_messages(form):
        messages.error(request, message)
    return redirect("assistance:person", pk=worker.pk)
