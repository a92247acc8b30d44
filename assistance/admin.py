"""Admin of employment assistance, scoped through `targets.admin_scoping`.

Personal records (enrolments, 1131 services, posts, participants) are entered on the assistance pages, which
call `assistance.services`; here they are read-only lists, scoped to the user's townships. Brands and gig
markets (bureau) are saved through the same services as everything else.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from targets.admin_scoping import ScopedAdminMixin, ScopedTownshipFilter
from targets.models import Role
from targets.scoping import scope_for

from . import services
from .models import (
    Carrier,
    Course,
    DifficultyStandard,
    Enrolment,
    HealthCheck,
    LabourBrand,
    Participation,
    PensionStandard,
    PublicWelfarePost,
    Recognition,
    RecruitmentEvent,
    RegisterEntry,
    ServiceRecord,
)


class ReadOnlyScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A scoped, read-only list: writes go through the assistance pages and their services."""

    scope_township_field = "worker__township"
    actions = None
    list_per_page = 50

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("姓名"), ordering="worker__name")
    def worker_name(self, obj):
        return obj.worker.name

    @admin.display(description=_("公民身份号码"))
    def masked_id(self, obj):
        return obj.worker.masked_id_number

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("worker", "worker__township")


class TownshipFilter(ScopedTownshipFilter):
    """The user's townships (a clerk sees just their own)."""


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyScopedAdmin):
    list_display = ["worker_name", "masked_id", "category", "entry_date", "exit_date", "exit_reason"]
    list_filter = ["category", "exit_reason", ("worker__township", TownshipFilter)]
    date_hierarchy = "entry_date"
    exclude = ["worker"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyScopedAdmin):
    list_display = ["worker_name", "masked_id", "kind", "date", "employer_name", "post_name", "provided_by"]
    list_filter = ["kind", ("worker__township", TownshipFilter)]
    date_hierarchy = "date"
    exclude = ["worker"]


@admin.register(PublicWelfarePost)
class PublicWelfarePostAdmin(ReadOnlyScopedAdmin):
    list_display = ["worker_name", "masked_id", "kind", "title", "start_date", "end_date", "monthly_subsidy"]
    list_filter = ["kind", ("worker__township", TownshipFilter)]
    date_hierarchy = "start_date"
    exclude = ["worker"]


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyScopedAdmin):
    list_display = ["worker_name", "masked_id", "course", "completed", "certificate"]
    list_filter = ["completed", ("worker__township", TownshipFilter)]
    exclude = ["worker"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("course")


class _ServiceSavingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Add and change through a service; its messages are shown on the form page."""

    actions = None

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())
        except PermissionDenied as exc:
            if request.method != "POST":
                raise  # a form the user may not open: 403 (redirecting to itself would loop)
            messages.error(request, str(exc) or _("您无权执行此操作。"))
            return HttpResponseRedirect(request.get_full_path())


class _BureauOnly:
    def has_add_permission(self, request, *args):
        return scope_for(request.user).role == Role.BUREAU and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return scope_for(request.user).role == Role.BUREAU and super().has_change_permission(request, obj)


@admin.register(LabourBrand)
class LabourBrandAdmin(_BureauOnly, _ServiceSavingAdmin):
    scope_township_field = None
    list_display = ["name", "description", "active"]
    list_filter = ["active"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.brand_save(
            acting_user=request.user,
            name=data["name"],
            description=data.get("description", ""),
            active=data.get("active", True),
            brand=obj if change else None,
        )
        obj.pk = saved.pk


@admin.register(Carrier)
class CarrierAdmin(_BureauOnly, _ServiceSavingAdmin):
    scope_township_field = None
    list_select_related = ["township"]  # nullable: Django does not follow it by itself
    list_display = ["name", "kind", "township", "address", "active"]
    list_filter = ["kind", "active"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.carrier_save(
            acting_user=request.user,
            name=data["name"],
            kind=data.get("kind") or "gig_market",
            township=data.get("township"),
            address=data.get("address", ""),
            active=data.get("active", True),
            carrier=obj if change else None,
        )
        obj.pk = saved.pk


@admin.register(Course)
class CourseAdmin(_ServiceSavingAdmin):
    """Courses: a clerk sees those of their township (district courses are listed on the training page)."""

    list_select_related = ["township"]  # nullable: Django does not follow it by itself
    list_display = ["name", "kind", "provider", "township", "start_date", "end_date"]
    list_filter = ["kind"]
    date_hierarchy = "end_date"
    search_fields = ["name", "provider"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.course_save(
            acting_user=request.user,
            name=data["name"],
            kind=data["kind"],
            provider=data["provider"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            township=data.get("township"),
            course=obj if change else None,
        )
        obj.pk = saved.pk


@admin.register(RecruitmentEvent)
class RecruitmentEventAdmin(_ServiceSavingAdmin):
    list_select_related = ["township"]  # nullable: Django does not follow it by itself
    list_display = ["date", "name", "mode", "organiser", "township", "posts_offered", "attendees", "hires"]
    list_filter = ["mode"]
    date_hierarchy = "date"
    search_fields = ["name", "organiser"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.event_record(
            acting_user=request.user,
            name=data["name"],
            date=data["date"],
            mode=data["mode"],
            organiser=data["organiser"],
            township=data.get("township"),
            employers=data.get("employers") or 0,
            posts_offered=data.get("posts_offered") or 0,
            attendees=data.get("attendees") or 0,
            hires=data.get("hires") or 0,
        )
        obj.pk = saved.pk


@admin.register(Recognition)
class RecognitionAdmin(ReadOnlyScopedAdmin):
    """Recognitions are entered on the person's page (`recognition_record`); here a scoped list."""

    list_display = ["worker_name", "masked_id", "kind", "disability_grade", "recognised_on", "ended_on"]
    list_filter = ["kind", ("worker__township", TownshipFilter)]
    date_hierarchy = "recognised_on"
    exclude = ["worker"]


@admin.register(DifficultyStandard)
class DifficultyStandardAdmin(_BureauOnly, _ServiceSavingAdmin):
    """The district's yearly standard of 就业困难人员 (city document §十二), set by bureau staff."""

    scope_township_field = None
    list_display = ["year", "text", "set_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.difficulty_standard_set(
            acting_user=request.user, year=data["year"], text=data["text"]
        )
        obj.pk = saved.pk


@admin.register(PensionStandard)
class PensionStandardAdmin(_BureauOnly, _ServiceSavingAdmin):
    """The year's lowest tier of 城乡居民基本养老保险 and the share paid for 低保对象 (seed 004 §十四)."""

    scope_township_field = None
    list_display = ["year", "lowest_tier", "dibao_percent", "set_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.pension_standard_set(
            acting_user=request.user,
            year=data["year"],
            lowest_tier=data["lowest_tier"],
            dibao_percent=data["dibao_percent"],
        )
        obj.pk = saved.pk


@admin.register(HealthCheck)
class HealthCheckAdmin(ReadOnlyScopedAdmin):
    """Health checks are entered on the person's page (`health_check_record`); here a scoped list."""

    list_display = ["worker_name", "masked_id", "date", "provider"]
    list_filter = [("worker__township", TownshipFilter)]
    date_hierarchy = "date"
    exclude = ["worker"]


@admin.register(RegisterEntry)
class RegisterEntryAdmin(_BureauOnly, _ServiceSavingAdmin):
    """The plan's registers (劳务经纪人, 创业导师, 在外创业成功人士, 家政品牌, 员工制家政企业), kept by bureau staff."""

    scope_township_field = None
    list_select_related = ["township"]
    list_display = ["kind", "name", "organisation", "township", "registered_on", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "organisation"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.register_save(
            acting_user=request.user,
            kind=data["kind"],
            name=data["name"],
            registered_on=data["registered_on"],
            organisation=data.get("organisation", ""),
            township=data.get("township"),
            active=data.get("active", True),
            entry=obj if change else None,
        )
        obj.pk = saved.pk
