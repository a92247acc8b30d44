"""Subsidies in the Django admin: bureau staff edit kinds and their yearly caps and budgets; applications are
listed scoped to the user's township (`ScopedAdminMixin`) and read-only — every change goes through the pages
and their services, and the bulk actions here call the same services, one application at a time.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from targets.admin_scoping import ScopedAdminMixin, ScopedTownshipFilter
from targets.scoping import scope_for

from . import services
from .models import Application, ApplicationEvent, CapScopeChange, SubsidyKind, SubsidyKindYear
from .services.scopes import scope_change_check

Action = ApplicationEvent.Action


class SubsidyKindYearInline(admin.TabularInline):
    model = SubsidyKindYear
    extra = 0
    fields = [
        "year",
        "cap",
        "follow_up_cap",
        "principal_cap_individual",
        "principal_cap_enterprise",
        "interest_share",
        "budget",
    ]

    # Editing a kind's yearly caps is part of editing the kind (bureau staff: `change_subsidykind`).
    def _parent_perm(self, request):
        return request.user.has_perm("subsidies.change_subsidykind")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("subsidies.view_subsidykind")

    def has_add_permission(self, request, obj=None):
        return self._parent_perm(request)

    def has_change_permission(self, request, obj=None):
        return self._parent_perm(request)

    def has_delete_permission(self, request, obj=None):
        return False


class CapScopeChangeInline(admin.TabularInline):
    """The log of the kind's cap scope (read only: changes go through `kind_cap_scope_set`)."""

    model = CapScopeChange
    extra = 0
    fields = ["changed_at", "changed_by", "from_scope", "to_scope", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("subsidies.view_subsidykind")


class SubsidyKindForm(forms.ModelForm):
    scope_reason = forms.CharField(
        label=_("修改计算范围的原因"),
        max_length=300,
        required=False,
        help_text=_("修改“上限计算范围”时必填，记入变更记录"),
    )

    class Meta:
        model = SubsidyKind
        fields = ["name", "source", "description", "active", "sort_order", "cap_scope"]

    def clean(self):
        data = super().clean()
        if "cap_scope" in self.changed_data and self.instance.pk:
            try:
                scope_change_check(
                    kind=self.instance, scope=data.get("cap_scope"), reason=data.get("scope_reason", "")
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data


@admin.register(SubsidyKind)
class SubsidyKindAdmin(admin.ModelAdmin):
    form = SubsidyKindForm
    list_display = ["name", "rule", "cap_scope", "active", "source"]
    list_filter = ["rule", "active"]
    inlines = [SubsidyKindYearInline, CapScopeChangeInline]
    readonly_fields = ["code", "rule"]
    fields = [
        "code",
        "name",
        "rule",
        "cap_scope",
        "scope_reason",
        "source",
        "description",
        "active",
        "sort_order",
    ]

    def has_add_permission(self, request):
        return False  # kinds come from `load_reference_data`; their rules are code

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The scope changes only through its service (role, reason, log); the rest is a plain edit.
        new_scope = obj.cap_scope
        if change and "cap_scope" in form.changed_data:
            obj.cap_scope = form.initial["cap_scope"]
        super().save_model(request, obj, form, change)
        if change and "cap_scope" in form.changed_data:
            services.kind_cap_scope_set(
                acting_user=request.user, kind=obj, scope=new_scope, reason=form.cleaned_data["scope_reason"]
            )


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    fields = ["at", "user", "action", "from_status", "to_status", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


def _bulk(modeladmin, request, queryset, action):
    done = 0
    for application in queryset:
        try:
            services.TRANSITION_SERVICES[action](acting_user=request.user, application=application)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{application.number}：{text}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("成功办理 {n} 件。").format(n=done), messages.SUCCESS)


@admin.action(description=_("镇街初审通过所选申请"))
def township_approve(modeladmin, request, queryset):
    _bulk(modeladmin, request, queryset, Action.TOWNSHIP_APPROVE)


@admin.action(description=_("区级审核通过所选申请（按申请金额核定）"))
def district_approve(modeladmin, request, queryset):
    _bulk(modeladmin, request, queryset, Action.DISTRICT_APPROVE)


@admin.action(description=_("对所选申请开始公示"))
def notice_start(modeladmin, request, queryset):
    _bulk(modeladmin, request, queryset, Action.NOTICE_START)


@admin.action(description=_("所选申请公示期满，转待发放"))
def notice_end(modeladmin, request, queryset):
    _bulk(modeladmin, request, queryset, Action.NOTICE_END)


class TownshipFilter(ScopedTownshipFilter):
    """The user's townships (a clerk sees just their own)."""


@admin.register(Application)
class ApplicationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "number_link",
        "kind",
        "year",
        "township",
        "applicant",
        "amount_requested",
        "amount_approved",
        "status",
    ]
    list_filter = ["status", "kind", "year", ("township", TownshipFilter)]
    list_per_page = 50
    search_fields = ["subject_name", "worker__name", "employer__name"]
    actions = [township_approve, district_approve, notice_start, notice_end]
    inlines = [EventInline]
    exclude = ["worker", "household", "employer", "employment"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("kind", "township", "worker", "employer")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Application._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request, *args):
        return False  # applications are entered on the subsidy pages

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if scope_for(request.user).role not in ("reviewer", "bureau"):
            return {}
        return actions

    @admin.display(description=_("编号"), ordering="id")
    def number_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("subsidies:detail", args=[obj.pk]), obj.number)

    @admin.display(description=_("申请对象"))
    def applicant(self, obj):
        return obj.applicant_label
