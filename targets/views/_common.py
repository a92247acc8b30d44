"""What every progress page shares: the role check, the refusal page, the period and the query string.

`_role_or_response` turns away users whose role may not open a page (and users without an assignment);
`_deny` is the refusal page itself; `_period` reads `year` and `as_of` from the query through the
dashboard selectors, returning a message instead of raising when the date is wrong; `_query` rebuilds the
current query string with some keys changed, for sort, filter and pager links.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from ..models import Role
from ..scoping import scope_for
from ..selectors_dashboard import parse_as_of, parse_year

ONLY_BUREAU = _("本页面仅供区人力社保局查看。")
ONLY_BUREAU_OR_INDUSTRY = _("本页面仅供区人力社保局和行业主管部门查看。")
NOT_FOR_INDUSTRY = _("行业主管部门账号请查看本行业进度。")
NO_DASHBOARD = _("您的账号没有查看目标进度的权限。")


def _deny(request, message, status: int = 403):
    return render(request, "targets/notice.html", {"message": message}, status=status)


def _role_or_response(request, allowed: tuple[str, ...]):
    """(role, None) when the user's role may open the page, else (role, the response to send)."""
    scope = scope_for(request.user)
    if scope.role is None or scope.is_empty:
        return None, render(request, "no_assignment.html", status=403)
    if scope.role not in allowed:
        message = NOT_FOR_INDUSTRY if scope.role == Role.INDUSTRY else NO_DASHBOARD
        return scope.role, _deny(request, message)
    return scope.role, None


def _period(request):
    """(year, explicit as-of date or None, notice, error) from the query string."""
    year = parse_year(request.GET.get("year"))
    try:
        as_of, notice = parse_as_of(request.GET.get("as_of"), year=year)
    except ValidationError as error:
        return year, None, None, error.messages[0]
    return year, as_of, notice, None


def _query(request, **changes) -> str:
    """The current query string with `changes` applied (None removes a key)."""
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params[key] = value
    return params.urlencode()
