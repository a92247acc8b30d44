"""The audit log search (issue 7): entries by person, user, township and date, for bureau staff and superusers.

The form is `forms.AuditSearchForm`; the search and the one-line summary of each entry are
`targets.audit`'s, imported when the page is opened. Nothing is listed until a search is made.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from ..forms import AuditSearchForm
from ..models import Role
from ..scoping import scope_for
from ._common import _deny

AUDIT_PER_PAGE = 50
AUDIT_ONLY_BUREAU = _("只有区人力社保局工作人员和系统管理员可以查看操作日志。")


@login_required
def audit_log(request):
    """The audit log search (issue 7): by person, user, township and date; bureau and superusers only."""
    from ..audit import audit_entries, entry_summary

    scope = scope_for(request.user)
    if not (request.user.is_superuser or scope.role == Role.BUREAU):
        return _deny(request, AUDIT_ONLY_BUREAU)
    form = AuditSearchForm(request.GET or None)
    entries = None
    page = None
    if form.is_valid():
        data = form.cleaned_data
        entries = audit_entries(
            person=data["person"],
            username=data["user"],
            township=data["township"],
            event=data["event"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        page = Paginator(entries, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
        for entry in page.object_list:
            entry.summary = entry_summary(entry)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "targets/audit_log.html",
        {"form": form, "page": page, "page_query": query.urlencode(), "searched": bool(request.GET)},
    )
