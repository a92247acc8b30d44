"""The year's list of people whose 城乡居民基本养老保险 premium the government pays (issue 20, item 5; seed 004
§十四). The township's clerk sees their people and downloads the list masked; bureau staff see the district and
alone download the file for the social-insurance agency with full ID numbers (audited as such).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from targets.models import Role
from targets.scoping import scope_for, visible_townships

from .. import exports, selectors
from ._common import (
    YEARS,
    _deny,
    _listing,
    _page,
    _role_check,
    _search_name,
    _township_filter,
    _township_ids,
    _xlsx,
    _year,
)

NO_STANDARD_YET = _(
    "{year}年的城乡居民养老保险代缴标准尚未设定，请在管理后台“城乡居民养老保险代缴标准”中填写最低缴费档次标准。"
)


def _people(request, year: int):
    township = _township_filter(request)
    people = selectors.pension_people(year=year, township_ids=_township_ids(request, township))
    return township, people


@login_required
def pension(request):
    denied = _role_check(request)
    if denied:
        return denied
    year = _year(request)
    amounts = selectors.pension_amounts(year)
    township, people = _people(request, year)
    people, term = _search_name(people, request)
    if request.GET.get("format") == "xlsx" and amounts is not None:
        return _xlsx(
            exports.pension_xlsx(user=request.user, people=people, amounts=amounts, year=year),
            f"养老保险代缴名单-{year}.xlsx",
        )
    page = _page(request, people)
    return render(
        request,
        "assistance/pension.html",
        {
            "page": page,
            "year": year,
            "years": YEARS,
            "amounts": amounts,
            "township": township,
            "townships": visible_townships(request.user),
            "is_bureau": scope_for(request.user).role == Role.BUREAU,
            **_listing(request, page, term),
        },
    )


@login_required
def pension_agency(request):
    """The file for the social-insurance agency: full ID numbers, bureau staff only, audited."""
    denied = _role_check(request, allowed=(Role.BUREAU,))
    if denied:
        return denied
    year = _year(request)
    amounts = selectors.pension_amounts(year)
    if amounts is None:
        return _deny(request, NO_STANDARD_YET.format(year=year), status=404)
    _township, people = _people(request, year)
    return _xlsx(
        exports.pension_xlsx(user=request.user, people=people, amounts=amounts, year=year, full_ids=True),
        f"养老保险代缴名单-社保经办-{year}.xlsx",
    )
