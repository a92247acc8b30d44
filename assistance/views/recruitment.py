"""The recruitment-events page: the events a user sees (their township's and the district's), filtered and
sorted, with the form that records a new event on the same page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _g

from targets.models import Role
from targets.scoping import scope_for, writable_townships

from .. import forms, services
from ..models import RecruitmentEvent
from ._common import YEARS, _listing, _page, _role_check


@login_required
def events(request):
    denied = _role_check(request)
    if denied:
        return denied
    scope = scope_for(request.user)
    rows = RecruitmentEvent.objects.select_related("township")
    if not scope.all_townships:
        rows = rows.filter(Q(township__isnull=True) | Q(township_id__in=scope.township_ids))
    year = request.GET.get("year") or ""
    if year.isdigit():
        rows = rows.filter(date__year=int(year))
    mode = request.GET.get("mode") or ""
    if mode in RecruitmentEvent.Mode.values:
        rows = rows.filter(mode=mode)
    term = (request.GET.get("q") or "").strip()
    if term:
        rows = rows.filter(Q(name__icontains=term) | Q(organiser__icontains=term))
    sort = request.GET.get("sort") or "-date"
    if sort not in ("date", "-date", "-hires", "-attendees"):
        sort = "-date"
    townships = writable_townships(request.user)
    form = forms.EventForm(request.POST or None, townships=townships, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if scope.role != Role.BUREAU and data["township"] is None:
            data["township"] = townships.first()
        try:
            services.event_record(acting_user=request.user, **data)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _g("招聘活动已保存。"))
            return redirect("assistance:events")
    page = _page(request, rows.order_by(sort, "-id"))
    return render(
        request,
        "assistance/events.html",
        {
            "page": page,
            "year": year,
            "years": YEARS,
            "mode": mode,
            "modes": RecruitmentEvent.Mode.choices,
            "sort": sort,
            "form": form,
            "can_write": scope.can_write,
            **_listing(request, page, term),
        },
    )
