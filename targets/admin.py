from auditlog.admin import LogEntryAdmin as _AuditlogEntryAdmin
from auditlog.models import LogEntry
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_scoping import EstimatedCountPaginator
from .models import (
    ApiAccessLog,
    Industry,
    IndustryTarget,
    KeyTaskIndicator,
    KeyTaskTarget,
    PlanYear,
    QuarterLock,
    QuarterLockEvent,
    Role,
    StaffAssignment,
    Township,
    TownshipTarget,
)
from .scoping import scope_for
from .selectors import target_sums

SUMS_DIFFER = _(
    "{year} 年：全区目标 {goal}，镇乡街道目标合计 {township_sum}，"
    "行业目标合计 {industry_sum}，三者不一致，请核对。"
)


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "former_code", "in_plan"]
    list_filter = ["kind", "in_plan"]
    search_fields = ["name", "code"]
    ordering = ["code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "lead_department", "gb_sections", "in_plan"]
    search_fields = ["name", "code"]
    ordering = ["code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _warn_if_sums_differ(request, years) -> None:
    for year in years:
        sums = target_sums(year=year)
        if not sums["consistent"]:
            messages.warning(request, SUMS_DIFFER.format(**sums))


@admin.register(PlanYear)
class PlanYearAdmin(admin.ModelAdmin):
    list_display = ["year", "nearby_goal", "township_sum", "industry_sum", "returnee_goal"]
    readonly_fields = ["year", "township_sum", "industry_sum"]

    @admin.display(description=_("镇乡街道目标合计"))
    def township_sum(self, obj):
        return target_sums(year=obj.year)["township_sum"]

    @admin.display(description=_("行业目标合计"))
    def industry_sum(self, obj):
        return target_sums(year=obj.year)["industry_sum"]

    def changelist_view(self, request, extra_context=None):
        _warn_if_sums_differ(request, PlanYear.objects.values_list("year", flat=True))
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _TargetAdmin(admin.ModelAdmin):
    list_editable = ["target"]
    list_filter = ["plan_year"]
    list_per_page = 60

    def changelist_view(self, request, extra_context=None):
        year = request.GET.get("plan_year__year__exact")
        years = [int(year)] if year and year.isdigit() else PlanYear.objects.values_list("year", flat=True)
        _warn_if_sums_differ(request, years)
        return super().changelist_view(request, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TownshipTarget)
class TownshipTargetAdmin(_TargetAdmin):
    list_display = ["plan_year", "township", "target"]
    search_fields = ["township__name", "township__code"]


@admin.register(IndustryTarget)
class IndustryTargetAdmin(_TargetAdmin):
    list_display = ["plan_year", "industry", "target"]
    search_fields = ["industry__name", "industry__code"]


class KeyTaskTargetInline(admin.TabularInline):
    model = KeyTaskTarget
    extra = 0
    can_delete = False


@admin.register(KeyTaskIndicator)
class KeyTaskIndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "task", "unit", "kind"]
    inlines = [KeyTaskTargetInline]
    filter_horizontal = ["industries"]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "township"]
    list_filter = ["role"]
    search_fields = ["user__username"]
    filter_horizontal = ["industries"]


class QuarterLockForm(forms.ModelForm):
    class Meta:
        model = QuarterLock
        fields = ["year", "quarter", "reason"]

    def validate_unique(self):
        return None  # the service says it in Chinese


class UnlockForm(forms.Form):
    reason = forms.CharField(label=_("解锁原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(QuarterLock)
class QuarterLockAdmin(admin.ModelAdmin):
    form = QuarterLockForm
    list_display = ["__str__", "locked_by", "locked_at", "reason"]
    list_select_related = ["township", "locked_by"]
    actions = ["unlock"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # unlocking is the `unlock` action, with a reason

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("targets.add_quarterlock"):
            actions.pop("unlock", None)
        return actions

    def save_model(self, request, obj, form, change):
        saved = services.quarter_lock(
            acting_user=request.user, year=obj.year, quarter=obj.quarter, reason=form.cleaned_data["reason"]
        )
        obj.pk = saved.pk

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied) and request.method != "POST":
                raise  # a form the user may not open: 403 (redirecting to itself would loop)
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description=_("解锁所选季度（需填写原因）"))
    def unlock(self, request, queryset):
        form = UnlockForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            for lock in queryset:
                services.quarter_unlock(
                    acting_user=request.user,
                    year=lock.year,
                    quarter=lock.quarter,
                    reason=form.cleaned_data["reason"],
                    township=lock.township,
                )
                self.message_user(request, _("{lock} 已解锁。").format(lock=lock))
            return None
        return render(
            request,
            "admin/targets/quarterlock/unlock.html",
            {
                **self.admin_site.each_context(request),
                "locks": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "title": _("解锁季度"),
            },
        )


@admin.register(QuarterLockEvent)
class QuarterLockEventAdmin(admin.ModelAdmin):
    list_display = ["year", "quarter", "township", "action", "reason", "user", "at"]
    list_filter = ["action", "year"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- The audit trail (issue 7): read-only, bureau and superusers only ---------------------------------


def _may_read_audit(request) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or scope_for(user).role == Role.BUREAU)


class ReadOnlyAuditAdmin(admin.ModelAdmin):
    """Nobody adds, changes or deletes log rows through the admin; only the bureau reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return _may_read_audit(request)

    def has_module_permission(self, request):
        return _may_read_audit(request)

    def get_actions(self, request):
        return {}


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditEntryAdmin(ReadOnlyAuditAdmin, _AuditlogEntryAdmin):
    list_filter = ["action", "timestamp", "content_type"]
    search_fields = ["object_repr", "actor__username"]
    # ~300k entries in a district: the unfiltered list is not counted row by row (issue 27).
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(ApiAccessLog)
class ApiAccessLogAdmin(ReadOnlyAuditAdmin):
    list_display = ["at", "principal", "method", "endpoint", "status", "record_count", "unmasked", "ip"]
    list_filter = ["unmasked", "status", "at"]
    search_fields = ["principal", "endpoint"]
    date_hierarchy = "at"
