"""Pages of employment assistance (issue 9). Thin: parse input, check role and scope, call a selector or a
service, render. Who may open what:

| page                                    | bureau / superuser | clerk                  | industry, reviewer |
|-----------------------------------------|--------------------|------------------------|--------------------|
| worklist, person, households, posts     | all townships      | own township (else 404)| 403                |
| 1131 and household rates per township   | all                | own township row       | 403                |
| courses, events (lists)                 | all                | own + district         | 403                |
| key-task board, brand/gig drill-down    | yes                | 403                    | 403                |
| exports (.xlsx, ID numbers masked)      | as the list        | as the list            | 403                |

A person, household, post or course outside the user's scope is a 404 (no existence oracle); a write outside
it is refused by the service (403).
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from targets.models import Role
from targets.scoping import scope_for, scope_queryset, visible_townships, writable_townships
from workers.models import Employment, Worker
from workers.selectors import workers_employed_on
from workers.validators import normalise_id_number

from . import exports, forms, imports, selectors, services
from .models import (
    Course,
    CourseKind,
    Enrolment,
    Participation,
    PostKind,
    PublicWelfarePost,
    RecruitmentEvent,
    ServiceRecord,
)

PER_PAGE = 50
NOT_FOR_ROLE = _("您的账号不能查看就业帮扶数据。")
ONLY_BUREAU_PAGE = _("本页面仅供区人力社保局查看。")
PERSON_NOT_FOUND = _("台账中没有此公民身份号码的人员，或此人不属于您可以办理的镇乡街道。")
YEARS = (2025, 2026, 2027)


# --- Helpers --------------------------------------------------------------------------------------------


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
    return queryset.filter(**{f"{field}__icontains": term}), term


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


# --- Index and worklist ---------------------------------------------------------------------------------


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
    rows = [{"worker": w, "missing": selectors.routine_missing(w)} for w in page.object_list]
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


# --- People ---------------------------------------------------------------------------------------------


@login_required
def people(request):
    """Find a person of the ledger (to enrol them) or list the people in assistance."""
    denied = _role_check(request)
    if denied:
        return denied
    township = _township_filter(request)
    open_enrolment = Enrolment.objects.filter(worker=OuterRef("pk"), exit_date__isnull=True)
    rows = scope_queryset(Worker.objects.select_related("township"), request.user).annotate(
        open_entry_date=Subquery(open_enrolment.values("entry_date")[:1]),
        open_category=Subquery(open_enrolment.values("category")[:1]),
    )
    if township is not None:
        rows = rows.filter(township=township)
    rows, term = _search_name(rows, request)
    status = request.GET.get("status") or ("" if term else "enrolled")
    if status == "enrolled":
        rows = rows.filter(open_entry_date__isnull=False)
    elif status == "not_enrolled":
        rows = rows.filter(open_entry_date__isnull=True)
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


# --- One person -----------------------------------------------------------------------------------------


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
            "services": ServiceRecord.objects.filter(worker=worker, date__year=year),
            "posts": selectors.posts().filter(worker=worker),
            "trainings": Participation.objects.filter(worker=worker).select_related("course"),
            "employments": Employment.objects.filter(worker=worker).select_related("employer")[:20],
            "employed_now": Worker.objects.filter(workers_employed_on(today), pk=worker.pk).exists(),
            "household_members": worker.household.members.exclude(pk=worker.pk) if worker.household else [],
            "can_write": can_write,
            "service_form": forms.ServiceForm(initial={"date": today}),
            "enrol_form": forms.EnrolForm(initial={"entry_date": today}),
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


def _form_messages(form) -> list[str]:
    out = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        out.extend(f"{label}：{e}" if label else str(e) for e in errors)
    return out


@login_required
def enrolment_exit(request, pk: int):
    """Confirmation page and POST of ending an enrolment."""
    denied = _role_check(request)
    if denied:
        return denied
    enrolment = _scoped_or_404(Enrolment.objects.select_related("worker"), request, pk)
    form = forms.ExitForm(request.POST or None, initial={"exit_date": timezone.localdate()})
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


# --- Households and rates -------------------------------------------------------------------------------


@login_required
def households(request):
    """零就业家庭 per township, with members and their job intentions."""
    denied = _role_check(request)
    if denied:
        return denied
    township = _township_filter(request)
    today = timezone.localdate()
    members = Prefetch("members", queryset=Worker.objects.order_by("pk"))
    rows = selectors.zero_employment_households(on=today, township_ids=_township_ids(request, township))
    term = (request.GET.get("q") or "").strip()
    if term:
        rows = rows.filter(Q(head_name__icontains=term) | Q(village__icontains=term) | Q(number=term))
    sort = request.GET.get("sort") or "township"
    order = {
        "township": ["township__code", "village", "number"],
        "number": ["number"],
        "village": ["village", "number"],
    }
    rows = rows.order_by(*order.get(sort, order["township"])).prefetch_related(members)
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.households_xlsx(user=request.user, households=rows, on=today), "零就业家庭.xlsx")
    page = _page(request, rows)
    return render(
        request,
        "assistance/households.html",
        {
            "page": page,
            "township": township,
            "townships": visible_townships(request.user),
            "sort": sort,
            "today": today,
            **_listing(request, page, term),
        },
    )


@login_required
def rates(request):
    """Per township: 1131 completion rate of the year and the share of households meeting the rule today."""
    denied = _role_check(request)
    if denied:
        return denied
    year = _year(request)
    ids = _township_ids(request, None)
    routine = selectors.routine_rates(year=year, township_ids=ids)
    household = selectors.household_rule_rates(township_ids=ids)
    rows = []
    for township in visible_townships(request.user).order_by("code"):
        r, h = routine.get(township.pk), household.get(township.pk)
        rows.append({"township": township, "routine": r, "household": h})
    if request.GET.get("hide_empty") == "1":
        rows = [r for r in rows if r["routine"] or r["household"]]
    sort = request.GET.get("sort") or "code"
    if sort == "routine":
        rows.sort(key=lambda r: (r["routine"] is None, (r["routine"] or {}).get("rate") or 0))
    elif sort == "household":
        rows.sort(key=lambda r: (r["household"] is None, (r["household"] or {}).get("share") or 0))

    def total(parts, key):
        return sum(p[key] for p in parts.values())

    totals = {
        "people": total(routine, "people"),
        "complete": total(routine, "complete"),
        "households": total(household, "households"),
        "meeting": total(household, "meeting"),
    }
    totals["rate"] = totals["complete"] / totals["people"] if totals["people"] else None
    totals["share"] = totals["meeting"] / totals["households"] if totals["households"] else None
    return render(
        request,
        "assistance/rates.html",
        {"rows": rows, "year": year, "years": YEARS, "totals": totals, "sort": sort},
    )


# --- Public-welfare posts -------------------------------------------------------------------------------


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
        {"form": form, "title": _g("新增公益性岗位安置"), "back": "assistance:posts"},
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


# --- Training -------------------------------------------------------------------------------------------


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
        {"form": form, "title": _g("新增培训班"), "back": "assistance:courses"},
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
    )


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
    )


def _import_page(request, *, title, run, headers, back):
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
        {"form": form, "title": title, "result": result, "headers": headers, "back": back},
        status=400 if result is not None and not result.ok else 200,
    )


# --- Events ---------------------------------------------------------------------------------------------


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


# --- Bureau: key-task board and drill-downs -------------------------------------------------------------


@login_required
def board(request):
    denied = _role_check(request, (Role.BUREAU,))
    if denied:
        return denied
    year = _year(request)
    data = selectors.key_task_board(year=year)
    for row in data["rows"]:
        if row["kind"] == "sector":
            query = "&".join(f"industry={c}" for c in row.get("industries", []))
            row["url"] = f"{reverse('targets:people')}?year={year}&{query}"
        elif row["code"] in selectors.DRILL_DOWN:
            name, params = selectors.DRILL_DOWN[row["code"]]
            query = "&".join(f"{k}={v}" for k, v in {"year": year, **params}.items())
            row["url"] = f"{reverse(name)}?{query}"
    return render(request, "assistance/board.html", {"board": data, "year": year, "years": YEARS})


@login_required
def channels(request):
    """The people behind the labour-brand and gig-market indicators: employments by channel."""
    denied = _role_check(request, (Role.BUREAU,))
    if denied:
        return denied
    year = _year(request)
    kind = request.GET.get("kind") if request.GET.get("kind") in ("brand", "gig") else "brand"
    names = selectors.brand_channels() if kind == "brand" else selectors.gig_channels()
    figures = selectors.channel_people(channels=names, year=year)
    chosen = request.GET.get("name") or ""
    jobs = selectors.channel_employments(channels=[chosen] if chosen in names else names, year=year)
    jobs = jobs.select_related("worker", "worker__township", "employer", "industry").order_by(
        "-start_date", "-id"
    )
    page = _page(request, jobs)
    return render(
        request,
        "assistance/channels.html",
        {
            "kind": kind,
            "names": [(n, figures["by_channel"].get(n, 0)) for n in names],
            "figures": figures,
            "chosen": chosen,
            "year": year,
            "years": YEARS,
            "page": page,
            **_listing(request, page),
        },
    )
