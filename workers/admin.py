"""Clerk data entry in the Django admin, scoped to the clerk's township through `targets.admin_scoping`.

Saving goes through `workers.services`; the forms only parse input and show the services' messages.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Value
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from targets.admin_scoping import (
    ScopedAdminMixin,
    ScopedInlineMixin,
    ScopedTownshipFilter,
    ScopedValuesFilter,
)
from targets.audit import audit_event
from targets.models import Role
from targets.scoping import scope_for, scope_queryset

from . import services
from .forms import (
    EmploymentInlineForm,
    EmploymentInlineFormSet,
    HouseholdAdminForm,
    WorkerAdminForm,
    WorkerMoveForm,
)
from .models import (
    CATEGORY_FIELDS,
    REGISTERED_SINCE_UNKNOWN,
    Category,
    Employer,
    Employment,
    Household,
    ImportBatch,
    Source,
    Worker,
)
from .names import normalise_name
from .selectors import employers_visible, household_member_counts, worker_job_counts, workers_employed_on
from .validators import mask_phone, normalise_id_number

LOCKED_JOBS = _(
    "此人有 {count} 条就业记录开始于已锁定的季度（{quarters}），这些记录只读，不能修改或删除；"
    "人员信息和其他季度的就业记录可以照常修改，也可以新增就业记录。"
)


def _locked_jobs(worker, acting_user=None) -> list[str]:
    """The locked quarters ("2026年第1季度") in which jobs of `worker` start, in order."""
    from targets.services import locked_quarters, quarter_of

    jobs = list(worker.employments.values_list("start_date", "registration_township_id"))
    quarters = sorted({quarter_of(day) for day, _t in jobs})
    # The district's locks and those of the townships the jobs count in (issue 23: approved submissions).
    locked = locked_quarters(township_ids={t for _d, t in jobs}, acting_user=acting_user)
    return [f"{year}年第{quarter}季度" for year, quarter in quarters if (year, quarter) in locked]


def _swap(row, names: dict[str, str]):
    """A fieldset row (a name or a tuple of names) with some names replaced."""
    if isinstance(row, str):
        return names.get(row, row)
    return tuple(names.get(name, name) for name in row)


class VillageFilter(ScopedValuesFilter):
    title = _("村（社区）")
    parameter_name = "village"
    field_name = "village"


class CategoryFilter(admin.SimpleListFilter):
    title = _("人员类别")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return Category.choices

    def queryset(self, request, queryset):
        field = CATEGORY_FIELDS.get(self.value())
        return queryset.filter(**{field: True}) if field else queryset


class EmploymentStatusFilter(admin.SimpleListFilter):
    title = _("就业状态")
    parameter_name = "employed"

    def lookups(self, request, model_admin):
        return [("yes", _("在岗")), ("no", _("未就业"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.filter(workers_employed_on(today))
        if self.value() == "no":
            return queryset.exclude(workers_employed_on(today))
        return queryset


class TownshipFilter(ScopedTownshipFilter):
    """The user's townships (a clerk sees just their own)."""


class _SharedChoicesFormSet:
    """Every job's form offers the same industries and townships: read once per page, not once per job
    (issue 27). The submitted value is still checked against the field's queryset."""

    shared_choice_fields = ("industry", "workplace_township")

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        shared = self.__dict__.setdefault("_shared_choices", {})
        for name in self.shared_choice_fields:
            field = form.fields.get(name)
            if field is None or not hasattr(field, "queryset"):
                continue
            if name not in shared:
                shared[name] = list(field.choices)
            field.choices = shared[name]
            inner = getattr(field.widget, "widget", None)  # the admin's RelatedFieldWidgetWrapper
            if inner is not None:
                inner.choices = shared[name]
        return form


class EmploymentInline(ScopedInlineMixin, admin.StackedInline):
    model = Employment
    form = EmploymentInlineForm
    formset = EmploymentInlineFormSet
    extra = 1
    autocomplete_fields = ["employer"]
    verbose_name = _("就业记录")
    verbose_name_plural = _("就业记录（新增就业请填写下方空白行）")
    readonly_fields = ["lock_status"]
    fieldsets = [
        (None, {"fields": ["lock_status"]}),
        (None, {"fields": [("employer", "new_employer_name", "credit_code")]}),
        (None, {"fields": [("industry", "form"), ("workplace", "workplace_township")]}),
        (None, {"fields": [("start_date", "end_date"), ("returnee", "channel", "monthly_income")]}),
    ]

    def get_queryset(self, request):
        # The viewer rides on each row, so the badge below asks about the lock for this user (an unlock
        # exception of theirs opens the quarter) without state on the shared admin instance.
        return (
            super()
            .get_queryset(request)
            .select_related("employer", "industry", "workplace_township")
            .annotate(viewer_id=Value(request.user.pk))
        )

    @admin.display(description=_("状态"))
    def lock_status(self, obj):
        """A lock badge and the reason on a job that starts in a quarter locked for the viewer (DESIGN.md
        §4.8; an unlock exception granted to the viewing clerk opens it, issue 23)."""
        from django.contrib.auth import get_user_model
        from django.utils.html import format_html

        from targets.services import ensure_quarter_open

        if obj is None or obj.pk is None:
            return _("新增")
        viewer = getattr(obj, "viewer_id", None)
        viewer = get_user_model()(pk=viewer) if viewer else None  # the lock check needs the viewer's id only
        try:
            ensure_quarter_open(obj.start_date, township_id=obj.registration_township_id, acting_user=viewer)
        except ValidationError as exc:
            return format_html('<span class="lock-badge">🔒 {}</span> {}', _("已锁定，只读"), exc.messages[0])
        return _("可修改")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A posted employer id outside the list the clerk may see is "not one of the choices", not a link.
        if db_field.name == "employer":
            kwargs["queryset"] = employers_visible(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # The form asks whether a job's quarter is locked for this user (an unlock exception opens it).
        formset.form = type(formset.form.__name__, (formset.form,), {"acting_user": request.user})
        township = scope_for(request.user)
        if township.township_ids and len(township.township_ids) == 1:
            field = formset.form.base_fields["workplace_township"]
            field.initial = next(iter(township.township_ids))
        return type(formset.__name__, (_SharedChoicesFormSet, formset), {})


@admin.register(Worker)
class WorkerAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = WorkerAdminForm
    inlines = [EmploymentInline]
    list_display = [
        "name",
        "masked_id",
        "sex",
        "birth_date",
        "township",
        "village",
        "category_list",
        "job_count",
    ]
    list_display_links = ["name"]
    list_filter = [("township", TownshipFilter), VillageFilter, CategoryFilter, EmploymentStatusFilter]
    search_fields = ["name"]
    search_help_text = _("输入完整的公民身份号码（精确查找）或姓名")
    list_per_page = 50
    scoped_relations = {"household": "township"}
    # A district has ~120k households: searched, not listed in a <select> (the choices stay scoped).
    autocomplete_fields = ["household"]
    actions = None
    fieldsets = [
        (
            _("基本信息"),
            {
                "fields": [
                    ("id_number", "name"),
                    ("phone", "township"),
                    ("village", "household"),
                    "edit_version",
                ]
            },
        ),
        (
            _("人员类别"),
            {
                "fields": [
                    ("is_poverty_alleviated", "is_monitored", "is_continued_support", "is_relocated"),
                    ("is_dibao", "is_disabled", "is_yulu_graduate"),
                ]
            },
        ),
        (
            _("就业意愿与能力"),
            {"fields": [("labour_capacity", "skill_level"), ("training_wish", "job_intention")]},
        ),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The person's own page shows the full ID number to those who may change the person (the
        township's clerk, bureau staff); each such view is logged. Read-only roles see it masked."""
        worker = self.get_object(request, unquote(object_id))
        if request.method == "GET" and worker is not None:
            locked = _locked_jobs(worker, request.user)
            if locked:
                # At the top of the page, where a clerk sees it before editing (issue 18, item 1).
                messages.warning(request, LOCKED_JOBS.format(count=len(locked), quarters="、".join(locked)))
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = request.method == "GET" and getattr(response, "status_code", None) == 200
        if shown and worker is not None and self._obj_writable(request, worker):
            audit_event("view_id_number", obj=worker, actor=request.user)
        return response

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            fieldsets = [*fieldsets, (_("户籍登记"), {"fields": ["registration_history"]})]
            # The instance the page renders: registration_history shows the move link to bureau staff.
            obj._may_move = scope_for(request.user).role == Role.BUREAU
        if obj is None or self._obj_writable(request, obj):
            return fieldsets
        masked = {"id_number": "masked_id", "phone": "masked_phone"}
        return [
            (title, {**options, "fields": [_swap(row, masked) for row in options["fields"]]})
            for title, options in fieldsets
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("township")

    def annotate_page(self, request, rows):
        counts = worker_job_counts(worker_ids=[row.pk for row in rows])
        for row in rows:
            row.job_count = counts.get(row.pk, 0)

    @admin.display(description=_("户籍登记期间"))
    def registration_history(self, obj):
        periods = [
            f"{p.township.name}：{'' if p.from_date == REGISTERED_SINCE_UNKNOWN else p.from_date.isoformat()}"
            f" 起" + (f"，{p.until.isoformat()} 迁出" if p.until else "（现户籍）")
            for p in obj.registrations.select_related("township").order_by("from_date")
        ]
        link = ""
        if getattr(obj, "_may_move", False):
            link = format_html(
                ' <a class="button" href="{}">{}</a>',
                reverse("admin:workers_worker_move", args=[obj.pk]),
                _("办理户籍迁移"),
            )
        return format_html("{}{}", "；".join(periods) or "—", link)

    def get_urls(self):
        from django.urls import path

        urls = super().get_urls()
        move = path(
            "<path:object_id>/move/",
            self.admin_site.admin_view(self.move_view),
            name="workers_worker_move",
        )
        return [move, *urls]

    def move_view(self, request, object_id):
        """户籍迁移 (rule 4.1): bureau staff record a dated move through `services.worker_move`."""
        if scope_for(request.user).role != Role.BUREAU:
            raise PermissionDenied(services.MOVE_BUREAU_ONLY)
        worker = self.get_object(request, unquote(object_id))
        if worker is None:
            raise Http404
        form = WorkerMoveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.worker_move(
                    acting_user=request.user,
                    worker=worker,
                    township=form.cleaned_data["township"],
                    on=form.cleaned_data["on"],
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied) as exc:
                messages_list = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                for message in messages_list:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("已办理户籍迁移：{name}自 {on} 起户籍在{township}。").format(
                        name=worker.name, on=form.cleaned_data["on"], township=form.cleaned_data["township"]
                    ),
                )
                return HttpResponseRedirect(reverse("admin:workers_worker_change", args=[worker.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("户籍迁移"),
            "worker": worker,
            "form": form,
            "history": self.registration_history(worker),
            "change_url": reverse("admin:workers_worker_change", args=[worker.pk]),
        }
        return TemplateResponse(request, "workers/worker_move.html", context)

    @admin.display(description=_("公民身份号码"), ordering="id_number")
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone) if obj.phone else "—"

    @admin.display(description=_("人员类别"))
    def category_list(self, obj):
        return "、".join(obj.categories) or "—"

    @admin.display(description=_("就业记录数"))
    def job_count(self, obj):
        return obj.job_count

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.fixed_township = self._clerk_township(request)
        return form

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        scope = scope_for(request.user)
        if obj is not None:
            # A change of township is a dated move (rule 4.1), on its own page: see registration_history.
            readonly += ["township", "registration_history"]
        elif len(scope.township_ids) == 1 and not scope.all_townships:
            readonly.append("township")  # a clerk's people are always of the clerk's township
        if obj is not None and not self._obj_writable(request, obj):
            readonly += ["masked_id", "masked_phone"]
        return readonly

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        try:
            id_number = normalise_id_number(term)
        except ValidationError:
            id_number = None
        if id_number:
            return queryset.filter(id_number=id_number), False
        if any(ch.isdigit() for ch in term):
            # No partial search on ID numbers (enumeration): digits match only a whole, valid number.
            return queryset.none(), False
        # The stored spelling: `买买提・艾力` or `王 𠮷` finds `买买提·艾力` and `王𠮷`.
        return queryset.filter(name__icontains=normalise_name(term)), False

    def _clerk_township(self, request):
        scope = scope_for(request.user)
        if not scope.all_townships and len(scope.township_ids) == 1:
            from targets.models import Township

            return Township.objects.get(pk=next(iter(scope.township_ids)))
        return None

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {k: data.get(k) for k in ("name", "phone", "village", "household")}
        fields.update(
            labour_capacity=data.get("labour_capacity") or Worker.LabourCapacity.FULL,
            skill_level=data.get("skill_level") or Worker.SkillLevel.NONE,
            training_wish=data.get("training_wish") or "",
            job_intention=data.get("job_intention") or "",
        )
        categories = [c for c, field in CATEGORY_FIELDS.items() if data.get(field)]
        if not change:
            township = self._clerk_township(request) or data.get("township")
            saved = services.worker_register(
                acting_user=request.user,
                id_number=data["id_number"],
                township=township,
                categories=categories,
                **fields,
            )
        else:
            if "township" in data and data["township"] is not None:
                fields["township"] = data["township"]
            saved = services.worker_update(
                acting_user=request.user,
                worker=obj,
                expected_version=data.get("edit_version"),
                categories=categories,
                id_number=data["id_number"],
                **fields,
            )
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})

    def save_formset(self, request, form, formset, change):
        if formset.model is not Employment:
            return super().save_formset(request, form, formset, change)
        worker = form.instance
        warnings = set()
        for inline_form in formset.forms:
            cleaned = getattr(inline_form, "cleaned_data", None) or {}
            instance = inline_form.instance
            if cleaned.get("DELETE"):
                if instance.pk:
                    services.employment_delete(acting_user=request.user, employment=instance)
                continue
            data = cleaned.get("employment_data")
            if data is None or (not inline_form.has_changed() and instance.pk):
                continue
            if instance.pk:
                services.employment_update(acting_user=request.user, employment=instance, data=data)
            else:
                services.employment_record(
                    acting_user=request.user, worker=worker, data=data, source=Source.FORM
                )
            warnings.update(services.employment_warnings(data))
        for warning in sorted(warnings):
            # A pre-plan job (DESIGN.md §4.2) is saved, and the clerk is told how it counts.
            messages.warning(request, warning)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # A rule that changed between validation and saving (another clerk, a lock): nothing was saved.
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())
        except PermissionDenied as exc:
            if request.method != "POST":
                raise  # a form the user may not open is a 403, not a redirect to itself
            messages.error(request, str(exc))
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Employment)
class EmploymentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The list of jobs (industry departments see their industries); edits happen on the worker's page."""

    scope_township_field = "worker__township"
    scope_industry_field = "industry"
    list_display = [
        "worker_name",
        "worker_id_masked",
        "worker_township",
        "employer",
        "industry",
        "form",
        "workplace_label",
        "start_date",
        "end_date",
        "returnee",
    ]
    list_filter = ["industry", "form", "workplace", "returnee", "source"]
    date_hierarchy = "start_date"
    list_per_page = 50
    actions = None

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("worker__township", "employer", "industry", "workplace_township")
        )

    @admin.display(description=_("姓名"), ordering="worker__name")
    def worker_name(self, obj):
        return obj.worker.name

    @admin.display(description=_("公民身份号码"))
    def worker_id_masked(self, obj):
        return obj.worker.masked_id_number

    @admin.display(description=_("户籍所在镇乡街道"))
    def worker_township(self, obj):
        return obj.worker.township

    @admin.display(description=_("就业地点"))
    def workplace_label(self, obj):
        return obj.workplace_label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = HouseholdAdminForm
    list_display = ["number", "head_name", "township", "village", "member_count"]
    list_filter = [("township", TownshipFilter), VillageFilter]
    search_fields = ["number", "head_name"]
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("township")

    def annotate_page(self, request, rows):
        counts = household_member_counts(household_ids=[row.pk for row in rows])
        for row in rows:
            row.member_count = counts.get(row.pk, 0)

    @admin.display(description=_("成员数"))
    def member_count(self, obj):
        return obj.member_count

    def get_readonly_fields(self, request, obj=None):
        scope = scope_for(request.user)
        return ["township"] if obj is not None and not scope.all_townships else []

    def save_model(self, request, obj, form, change):
        from targets.scoping import ensure_township_writable

        ensure_township_writable(request.user, obj.township_id)
        super().save_model(request, obj, form, change)


@admin.register(Employer)
class EmployerAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Employers are shared across townships. A clerk finds organisations (with a credit code) and the
    employers already used in their own township; a sole trader named after a person elsewhere stays hidden."""

    scope_township_field = None
    list_display = ["name", "credit_code", "gb_division", "created_at"]
    search_fields = ["name", "credit_code"]
    fields = ["name", "credit_code", "gb_division"]
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=employers_visible(request.user).values("pk"))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "credit_code" in form.base_fields:
            acting_user = request.user

            def clean_credit_code(self):
                value = self.cleaned_data.get("credit_code")
                if not value:
                    return obj.credit_code
                try:
                    return services.employer_credit_code_check(
                        acting_user=acting_user, employer=obj, credit_code=value
                    )
                except ValidationError as exc:
                    raise ValidationError(exc.messages) from exc

            form = type(form.__name__, (form,), {"clean_credit_code": clean_credit_code})
        return form

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not scope_for(request.user).all_townships:
            # A clerk completes a missing credit code; the name and the code once given stay with the bureau.
            return ["name", "gb_division"] + (["credit_code"] if obj.credit_code else [])
        return super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            if "credit_code" in form.changed_data:
                services.employer_credit_code_set(
                    acting_user=request.user, employer=obj, credit_code=form.cleaned_data["credit_code"]
                )
            if scope_for(request.user).all_townships and set(form.changed_data) - {"credit_code"}:
                super().save_model(request, obj, form, change)
            return None
        saved = services.employer_resolve(
            name=form.cleaned_data["name"], credit_code=form.cleaned_data["credit_code"]
        )
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})
        return None

    def has_change_permission(self, request, obj=None):
        """Bureau staff change employers; a clerk may open one their township uses that has no credit code
        yet, to add it (issue 18, item 3)."""
        if not super().has_change_permission(request, obj):
            return False
        scope = scope_for(request.user)
        if scope.all_townships or obj is None:
            return scope.can_write
        return (
            scope.can_write
            and not obj.credit_code
            and scope_queryset(
                Employment.objects.filter(employer=obj),
                request.user,
                township_field="worker__township",
                write=True,
            ).exists()
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Batches are created, confirmed and rolled back on the returns pages (one pipeline); the admin lists
    them, scoped, and links there."""

    list_display = ["__str__", "township", "year", "quarter", "status", "rows_new", "rows_unchanged",
                    "rows_updated", "rows_rejected", "uploaded_by", "created_at", "open_link"]  # fmt: skip
    list_filter = [("township", TownshipFilter), "status", "year", "quarter"]
    actions = None

    def get_queryset(self, request):
        # A batch holds the file's full ID numbers and phones: its clerk's township and bureau staff only,
        # as on the returns pages (issue 16, item 1).
        return self.writable_queryset(request).select_related("township", "uploaded_by")

    @admin.display(description=_("操作"))
    def open_link(self, obj):
        from django.urls import reverse
        from django.utils.html import format_html

        return format_html('<a href="{}">{}</a>', reverse("workers:return_detail", args=[obj.pk]), _("查看"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
