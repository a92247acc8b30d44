"""The follow-up list of people who left assistance (issue 20, item 6; seed 004 §二 "做好后续跟踪服务"): who is
still followed up, whether they are in work, the lost-work alert, and the follow-up records entered from it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_POST

from targets.scoping import scope_for, visible_townships

from .. import forms, selectors, services
from ..models import Enrolment
from ._common import (
    _form_messages,
    _listing,
    _page,
    _role_check,
    _scoped_or_404,
    _search_name,
    _township_filter,
    _township_ids,
)


@login_required
def follow_up(request):
    denied = _role_check(request)
    if denied:
        return denied
    township = _township_filter(request)
    rows = selectors.follow_up_people(township_ids=_township_ids(request, township))
    if request.GET.get("status") == "lost_work":
        rows = rows.filter(lost_work=True)
    rows, term = _search_name(rows, request, field="worker__name")
    page = _page(request, rows)
    return render(
        request,
        "assistance/follow_up.html",
        {
            "page": page,
            "status": request.GET.get("status", ""),
            "township": township,
            "townships": visible_townships(request.user),
            "can_write": scope_for(request.user).can_write,
            "today": timezone.localdate(),
            "lost_work_days": selectors.LOST_WORK_DAYS,
            **_listing(request, page, term),
        },
    )


@login_required
@require_POST
def follow_up_add(request, pk: int):
    denied = _role_check(request)
    if denied:
        return denied
    enrolment = _scoped_or_404(Enrolment.objects.select_related("worker"), request, pk)
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_record(acting_user=request.user, enrolment=enrolment, **form.cleaned_data)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _g("跟踪服务记录已保存。"))
            return redirect("assistance:follow_up")
    for message in _form_messages(form):
        messages.error(request, message)
    return redirect("assistance:follow_up")
