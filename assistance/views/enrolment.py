"""People in assistance: finding a person of the ledger (to enrol them) or listing those enrolled, one
person's page with everything assistance knows about them (enrolments, 1131 services, posts, training, jobs,
household), and taking them into assistance and out of it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_POST

from targets.scoping import scope_for, scope_queryset, visible_townships
from workers.models import Employment, Worker
from workers.selectors import workers_employed_on

from .. import forms, selectors, services
from ..models import Enrolment, HealthCheck, IntentionRecord, Participation, Recognition, ServiceRecord
from ._common import (
    YEARS,
    _form_messages,
    _listing,
    _page,
    _person_record,
    _role_check,
    _scoped_or_404,
    _search_name,
    _township_filter,
    _worker,
    _year,
)


@login_required
def people(request):
    """Find a person of the ledger (to enrol them) or list the people in assistance."""
    denied = _role_check(request)
    if denied:
        return denied
    township = _township_filter(request)
    rows = scope_queryset(Worker.objects.select_related("township"), request.user)
    if township is not None:
        rows = rows.filter(township=township)
    rows, term = _search_name(rows, request)
    status = request.GET.get("status") or ("" if term else "enrolled")
    rows = selectors.with_open_enrolment(rows, status=status)
    sort = request.GET.get("sort") or "name"
    order = {"name": ["name", "pk"], "entry": ["open_entry_date", "pk"], "village": ["village", "name", "pk"]}
    rows = rows.order_by(*order.get(sort, order["name"]))
    page = _page(request, rows)
    return render(
        request,
        "assistance/people.html",
        {
            "page": page,
            "status": status,
            "sort": sort,
            "township": township,
            "townships": visible_townships(request.user),
            **_listing(request, page, term),
        },
    )


@login_required
def person(request, pk: int):
    denied = _role_check(request)
    if denied:
        return denied
    worker = _worker(request, pk)
    year = _year(request)
    status = selectors.routine_people(year=year).filter(pk=worker.pk).first()
    enrolments = Enrolment.objects.filter(worker=worker).order_by("-entry_date", "-id")
    open_enrolment = next((e for e in enrolments if e.exit_date is None), None)
    today = timezone.localdate()
    can_write = scope_for(request.user).can_write
    return render(
        request,
        "assistance/person.html",
        {
            "worker": worker,
            "year": year,
            "years": YEARS,
            "status": status,
            "missing": selectors.routine_missing(status) if status else [],
            "enrolments": enrolments,
            "open_enrolment": open_enrolment,
            "services": selectors.pushes_against_intentions(
                worker, ServiceRecord.objects.filter(worker=worker, date__year=year)
            ),
            "posts": selectors.posts().filter(worker=worker),
            "trainings": Participation.objects.filter(worker=worker).select_related("course"),
            "employments": Employment.objects.filter(worker=worker).select_related("employer")[:20],
            "employed_now": Worker.objects.filter(workers_employed_on(today), pk=worker.pk).exists(),
            "household_members": worker.household.members.exclude(pk=worker.pk) if worker.household else [],
            "can_write": can_write,
            "service_form": forms.ServiceForm(initial={"date": today}),
            "enrol_form": forms.EnrolForm(initial={"entry_date": today}),
            "recognitions": Recognition.objects.filter(worker=worker).select_related(
                "standard", "recognised_by"
            ),
            "recognition_form": forms.RecognitionForm(initial={"recognised_on": today}),
            "today": today,
            "intentions": IntentionRecord.objects.filter(worker=worker)[:10],
            "intention_form": forms.IntentionForm(initial={"recorded_on": today}),
            "health_checks": HealthCheck.objects.filter(worker=worker)[:10],
            "health_check_form": forms.HealthCheckForm(initial={"date": today}),
        },
    )


@login_required
@require_POST
def enrol(request, pk: int):
    denied = _role_check(request)
    if denied:
        return denied
    worker = _worker(request, pk)
    form = forms.EnrolForm(request.POST)
    if form.is_valid():
        try:
            services.enrolment_enter(acting_user=request.user, worker=worker, **form.cleaned_data)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _g("已纳入帮扶。"))
            return redirect("assistance:person", pk=worker.pk)
    for message in _form_messages(form):
        messages.error(request, message)
    return redirect("assistance:person", pk=worker.pk)


@login_required
def enrolment_exit(request, pk: int):
    """Confirmation page and POST of ending an enrolment."""
    denied = _role_check(request)
    if denied:
        return denied
    enrolment = _scoped_or_404(Enrolment.objects.select_related("worker"), request, pk)
    form = forms.ExitForm(
        request.POST or None,
        initial={"exit_date": timezone.localdate(), "follow_up_months": services.default_follow_up_months()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_exit(acting_user=request.user, enrolment=enrolment, **form.cleaned_data)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _g("已办理退出帮扶。"))
            return redirect("assistance:person", pk=enrolment.worker_id)
    return render(request, "assistance/enrolment_exit.html", {"enrolment": enrolment, "form": form})


@login_required
@require_POST
def intention_add(request, pk: int):
    """Record the person's 就业意愿 and 求职意向 (issue 20, item 7)."""
    return _person_record(request, pk, forms.IntentionForm, services.intention_record, _g("就业意愿已登记。"))


@login_required
@require_POST
def health_check_add(request, pk: int):
    """Record an occupational health check of an older migrant worker (issue 20, item 9)."""
    return _person_record(
        request, pk, forms.HealthCheckForm, services.health_check_record, _g("体检已登记。")
    )
