"""Public-welfare post pages: the scoped list (current, ended, held 36 months or more) with its export, a new
placement of a person found by ID number in the clerk's own townships, and ending a placement.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _g

from targets.scoping import scope_for, scope_queryset, visible_townships

from .. import exports, forms, selectors, services
from ..models import PostKind, PublicWelfarePost
from ._common import (
    PERSON_NOT_FOUND,
    _listing,
    _page,
    _role_check,
    _scoped_or_404,
    _search_name,
    _township_filter,
    _writable_worker_by_id,
    _xlsx,
)


@login_required
def posts(request):
    denied = _role_check(request)
    if denied:
        return denied
    today = timezone.localdate()
    township = _township_filter(request)
    rows = scope_queryset(selectors.posts(today=today), request.user, township_field="worker__township")
    if township is not None:
        rows = rows.filter(worker__township=township)
    status = request.GET.get("status") or ""
    if status == "current":
        rows = rows.filter(current=True)
    elif status == "ended":
        rows = rows.filter(current=False)
    elif status == "long":
        rows = rows.filter(long_tenure=True)
    kind = request.GET.get("kind") or ""
    if kind in PostKind.values:
        rows = rows.filter(kind=kind)
    rows, term = _search_name(rows, request, field="worker__name")
    sort = request.GET.get("sort") or "-start_date"
    if sort not in ("start_date", "-start_date", "worker__name", "monthly_subsidy", "-monthly_subsidy"):
        sort = "-start_date"
    rows = rows.order_by(sort, "-id")
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.posts_xlsx(user=request.user, posts=rows, today=today), "公益性岗位.xlsx")
    page = _page(request, rows)
    return render(
        request,
        "assistance/posts.html",
        {
            "page": page,
            "rows": [{"post": p, "months": selectors.tenure_months(p, today)} for p in page.object_list],
            "township": township,
            "townships": visible_townships(request.user),
            "status": status,
            "kind": kind,
            "kinds": PostKind.choices,
            "sort": sort,
            "long_months": selectors.LONG_TENURE_MONTHS,
            "can_write": scope_for(request.user).can_write,
            **_listing(request, page, term),
        },
    )


@login_required
def post_new(request):
    denied = _role_check(request)
    if denied:
        return denied
    form = forms.PostForm(request.POST or None, initial={"start_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        worker = _writable_worker_by_id(request, data.pop("id_number"))
        if worker is None:
            form.add_error("id_number", PERSON_NOT_FOUND)
        else:
            try:
                services.post_assign(acting_user=request.user, worker=worker, **data)
            except ValidationError as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, _g("公益性岗位安置已保存。"))
                return redirect("assistance:posts")
    return render(
        request,
        "assistance/form.html",
        {
            "form": form,
            "title": _g("新增公益性岗位安置"),
            "back": "assistance:posts",
            "back_label": _g("公益性岗位"),
        },
    )


@login_required
def post_end(request, pk: int):
    denied = _role_check(request)
    if denied:
        return denied
    post = _scoped_or_404(PublicWelfarePost.objects.select_related("worker"), request, pk)
    form = forms.PostEndForm(request.POST or None, initial={"end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_end(
                acting_user=request.user,
                post=post,
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _g("已办理离岗。"))
            return redirect("assistance:posts")
    return render(request, "assistance/post_end.html", {"post": post, "form": form})
