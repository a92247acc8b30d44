"""Training pages: the courses a user sees (their township's and the district's) with the year's figures, a
new course, one course with its participants and the form that adds one, a participant's completion and
certificate, and the import of a course's participants from a spreadsheet.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_POST

from targets.models import Role
from targets.scoping import scope_for, scope_queryset, writable_townships

from .. import forms, imports, selectors, services
from ..models import Course, CourseKind, Participation
from ._common import (
    PERSON_NOT_FOUND,
    YEARS,
    _import_page,
    _listing,
    _page,
    _role_check,
    _scoped_or_404,
    _township_ids,
    _writable_worker_by_id,
)


@login_required
def courses(request):
    denied = _role_check(request)
    if denied:
        return denied
    rows = selectors.courses(user=request.user)
    year = request.GET.get("year") or ""
    if year.isdigit():
        rows = rows.filter(end_date__year=int(year))
    kind = request.GET.get("kind") or ""
    if kind in CourseKind.values:
        rows = rows.filter(kind=kind)
    term = (request.GET.get("q") or "").strip()
    if term:
        rows = rows.filter(Q(name__icontains=term) | Q(provider__icontains=term))
    sort = request.GET.get("sort") or "-end_date"
    if sort not in ("end_date", "-end_date", "name", "-participants"):
        sort = "-end_date"
    rows = rows.order_by(sort, "-id")
    figures = (
        selectors.training_figures(year=int(year), township_ids=_township_ids(request, None))
        if year.isdigit()
        else None
    )
    page = _page(request, rows)
    return render(
        request,
        "assistance/courses.html",
        {
            "page": page,
            "year": year,
            "years": YEARS,
            "kind": kind,
            "kinds": CourseKind.choices,
            "sort": sort,
            "figures": figures,
            "can_write": scope_for(request.user).can_write,
            **_listing(request, page, term),
        },
    )


@login_required
def course_new(request):
    denied = _role_check(request)
    if denied:
        return denied
    townships = writable_townships(request.user)
    form = forms.CourseForm(request.POST or None, townships=townships)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if scope_for(request.user).role != Role.BUREAU and data["township"] is None:
            data["township"] = townships.first()
        try:
            course = services.course_save(acting_user=request.user, **data)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _g("培训班已保存。"))
            return redirect("assistance:course", pk=course.pk)
    return render(
        request,
        "assistance/form.html",
        {"form": form, "title": _g("新增培训班"), "back": "assistance:courses", "back_label": _g("技能培训")},
    )


def _course(request, pk: int) -> Course:
    course = selectors.courses(user=request.user).filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


@login_required
def course(request, pk: int):
    denied = _role_check(request)
    if denied:
        return denied
    course = _course(request, pk)
    participants = scope_queryset(
        Participation.objects.filter(course=course).select_related("worker", "worker__township"),
        request.user,
        township_field="worker__township",
    ).order_by("worker__name", "pk")
    form = forms.ParticipantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        worker = _writable_worker_by_id(request, data.pop("id_number"))
        if worker is None:
            form.add_error("id_number", PERSON_NOT_FOUND)
        else:
            try:
                services.participant_add(acting_user=request.user, course=course, worker=worker, **data)
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    raise
                forms.apply_errors(form, exc)
            else:
                messages.success(request, _g("学员已添加。"))
                return redirect("assistance:course", pk=course.pk)
    page = _page(request, participants)
    return render(
        request,
        "assistance/course.html",
        {
            "course": course,
            "page": page,
            "form": form,
            "can_write": scope_for(request.user).can_write,
            **_listing(request, page),
        },
    )


@login_required
@require_POST
def participant_update(request, pk: int):
    denied = _role_check(request)
    if denied:
        return denied
    participation = _scoped_or_404(Participation.objects.all(), request, pk)
    try:
        services.participant_update(
            acting_user=request.user,
            participation=participation,
            completed=request.POST.get("completed") == "on",
            certificate=request.POST.get("certificate", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _g("学员结业情况已保存。"))
    return redirect("assistance:course", pk=participation.course_id)


@login_required
def course_import(request, pk: int):
    """Import participants of one course from .xlsx: all rows or none."""
    denied = _role_check(request)
    if denied:
        return denied
    course = _course(request, pk)
    return _import_page(
        request,
        title=_g("导入培训学员：{name}").format(name=course.name),
        run=lambda upload, dry_run: imports.participants_import(
            acting_user=request.user, file_obj=upload, file_name=upload.name, course=course, dry_run=dry_run
        ),
        headers=imports.PARTICIPANT_HEADERS,
        back=("assistance:course", course.pk),
        parents=[
            (_g("技能培训"), reverse("assistance:courses")),
            (course.name, reverse("assistance:course", args=[course.pk])),
        ],
    )
