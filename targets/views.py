"""Progress pages: the district dashboard, one township's, one industry's, the people behind every count
and the monthly briefing (.xlsx).

Thin: parse the query, check role and scope, read `targets.selectors_dashboard`, render. Who may open what:

| page                | bureau / superuser | clerk                    | industry department         |
|---------------------|--------------------|--------------------------|-----------------------------|
| district dashboard  | yes                | → own township page      | → own industry page         |
| township page       | any                | own only (else 404)      | 403                         |
| industry page       | any                | 403                      | own industries (else 404)   |
| people list         | all                | own township (else 404)  | own industries (else 404)   |
| briefing .xlsx      | yes                | 403                      | 403                         |

Reviewers get 403; a user without an assignment gets the "no assignment" page (403).
"""

import hashlib
import logging
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from .forms import AuditSearchForm
from .models import Industry, Role, Township
from .progress import default_as_of
from .scoping import scope_for, visible_industries
from .selectors_dashboard import (
    briefing_filename,
    briefing_workbook,
    completion_chart,
    counted_people,
    dashboard_progress,
    headline,
    industry_rows,
    lagging_counts,
    month_rows,
    parse_as_of,
    parse_month,
    parse_sort,
    parse_year,
    pct,
    plan_years,
    ranked_count,
    sector_rows,
    township_row,
    township_rows,
    trend_chart,
)

ONLY_BUREAU = _("本页面仅供区人力社保局查看。")
ONLY_BUREAU_OR_INDUSTRY = _("本页面仅供区人力社保局和行业主管部门查看。")
NOT_FOR_INDUSTRY = _("行业主管部门账号请查看本行业进度。")
NO_DASHBOARD = _("您的账号没有查看目标进度的权限。")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PEOPLE_PER_PAGE = 50
PAGE_CACHE_SECONDS = 600

logger = logging.getLogger(__name__)


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


def _people_url(base: dict, **filters) -> str:
    params = list(base.items())
    for key, value in filters.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            params.append((key, item))
    return f"{reverse('targets:people')}?{urlencode(params)}"


def _common(request, progress, *, as_of_error=None, notice=None) -> dict:
    return {
        "progress": progress,
        "year": progress.year,
        "years": plan_years(),
        "as_of_value": request.GET.get("as_of", "") if as_of_error else progress.as_of.isoformat(),
        "as_of_error": as_of_error,
        "notice": notice,
        "time_progress_display": pct(progress.time_progress),
        "people_base": {"year": progress.year, "as_of": progress.as_of.isoformat()},
    }


def _page_key(name: str, request, progress) -> str:
    """Cache key of a rendered page body: the snapshot (year, as-of date, when computed), the language and the
    whole query string (the sort and filter links repeat it)."""
    query = "&".join(sorted(f"{k}={v}" for k, values in request.GET.lists() for v in values))
    parts = [
        name,
        progress.year,
        progress.as_of,
        progress.computed_at.isoformat(),
        translation.get_language(),
    ]
    digest = hashlib.sha256("|".join(map(str, [*parts, query])).encode()).hexdigest()
    return f"page:{name}:{digest}"


def _cache_get(key: str | None) -> str | None:
    """The cached body, or None; a cache that cannot be reached only costs a fresh render."""
    if key is None:
        return None
    try:
        return cache.get(key)
    except Exception as error:  # noqa: BLE001 — any cache failure falls back to rendering
        logger.warning("page cache unavailable: %s", type(error).__name__)
        return None


def _cache_set(key: str | None, body: str) -> None:
    if key is None:
        return
    try:
        cache.set(key, str(body), timeout=PAGE_CACHE_SECONDS)
    except Exception as error:  # noqa: BLE001
        logger.warning("page cache unavailable: %s", type(error).__name__)


def _link_rows(rows: list[dict], base: dict, param: str) -> list[dict]:
    for row in rows:
        row["people_url"] = _people_url(base, **{param: row["code"]})
        if param == "township":
            row["returnee_url"] = _people_url(base, township=row["code"], returnee=1)
    return rows


def _link_months(rows: list[dict], base: dict, **filters) -> list[dict]:
    for row in rows:
        row["new_url"] = _people_url(base, month=row["month"], **filters)
        row["cumulative_url"] = _people_url({**base, "as_of": row["month_end"]}, **filters)
    return rows


def _sort_headers(request, sort: str, direction: str) -> list[dict]:
    """Header links of the township table: a click sorts by the column, a second click reverses it."""
    columns = [
        ("completion", _g("排名"), False, False),
        ("code", _g("镇乡街道"), False, True),
        ("target", _g("年度目标"), True, True),
        ("count", _g("新增就业"), True, True),
        ("completion", _g("完成率"), True, True),
        ("expected", _g("应完成数"), True, True),
        ("gap", _g("差额"), True, True),
        ("projection", _g("预计全年"), True, True),
        ("pace", _g("每月还需"), True, True),
        ("returnee", _g("回引返乡"), True, True),
    ]
    headers = []
    for key, label, numeric, shows_state in columns:
        active = key == sort
        next_direction = ("asc" if direction == "desc" else "desc") if active else parse_sort(key, None)[1]
        shown = active and shows_state
        headers.append(
            {
                "label": label,
                "numeric": numeric,
                "url": "?" + _query(request, sort=key, dir=next_direction) + "#townships",
                "arrow": ("▼" if direction == "desc" else "▲") if shown else "",
                "aria": ("descending" if direction == "desc" else "ascending") if shown else None,
            }
        )
    return headers


@login_required
def dashboard(request):
    """The district dashboard (bureau); clerks and industry departments are sent to their own page."""
    scope = scope_for(request.user)
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    if scope.role == Role.CLERK and scope.township_ids:
        township = Township.objects.get(pk=next(iter(scope.township_ids)))
        return redirect(reverse("targets:township", args=[township.code]) + query)
    if scope.role == Role.INDUSTRY and scope.industry_ids:
        industry = visible_industries(request.user).order_by("code").first()
        return redirect(reverse("targets:industry", args=[industry.code]) + query)
    _role, denied = _role_or_response(request, (Role.BUREAU,))
    if denied:
        return denied

    year, as_of, notice, error = _period(request)
    progress = dashboard_progress(year=year, as_of=as_of)
    # Every bureau user sees the same page for the same snapshot and query: its body is rendered once per
    # snapshot (the key holds `computed_at`, so a recompute starts afresh) and then read from the cache.
    # A live as-of date, an error or a notice is rendered every time.
    cacheable = not (progress.live or error or notice)
    key = _page_key("dashboard", request, progress) if cacheable else None
    body = _cache_get(key)
    if body is None:
        body = _dashboard_body(request, progress, error=error, notice=notice)
        _cache_set(key, body)
    return render(
        request,
        "targets/dashboard.html",
        {"body": mark_safe(body), "year": year},  # noqa: S308 — our own template's escaped output
        status=400 if error else 200,
    )


def _dashboard_body(request, progress, *, error, notice) -> str:
    year = progress.year
    context = _common(request, progress, as_of_error=error, notice=notice)
    base = context["people_base"]
    sort, direction = parse_sort(request.GET.get("sort"), request.GET.get("dir"))
    lagging_only = request.GET.get("lagging") == "1"
    rows, no_target = township_rows(progress, sort=sort, direction=direction, lagging_only=lagging_only)
    top = headline(progress)
    for item in top["cumulative"]["by_year"]:
        item_base = base if item["year"] == year else {"year": item["year"]}
        item["people_url"] = _people_url(item_base)
        item["returnee_url"] = _people_url(item_base, returnee=1)
    sectors = sector_rows(progress)
    for row in sectors:
        row["people_url"] = _people_url(base, industry=row["industries"])
    district = progress.data["district"]
    context.update(
        {
            "headline": top,
            "district_url": _people_url(base),
            "returnee_url": _people_url(base, returnee=1),
            "townships": _link_rows(rows, base, "township"),
            "no_target": _link_rows(no_target, base, "township"),
            "ranked_total": ranked_count(progress),
            "lagging": lagging_counts(progress),
            "lagging_only": lagging_only,
            "lagging_url": "?" + _query(request, lagging=None if lagging_only else "1") + "#townships",
            "sort_headers": _sort_headers(request, sort, direction),
            "industries": _link_rows(industry_rows(progress), base, "industry"),
            "sectors": sectors,
            "months": _link_months(month_rows(progress, district["monthly"], district["target"]), base),
            "trend": trend_chart(progress, district["monthly"], district["target"]),
            "bars": completion_chart(progress),
            "briefing_url": f"{reverse('targets:briefing')}?{urlencode(base)}",
        }
    )
    return render_to_string("targets/_dashboard_body.html", context, request)


@login_required
def township_dashboard(request, code: str):
    """One township: its headline, rank among the ranked townships, monthly series and people."""
    role, denied = _role_or_response(request, (Role.BUREAU, Role.CLERK))
    if denied:
        return denied
    township = get_object_or_404(Township, code=code)
    if not scope_for(request.user).sees_township(township.pk):
        raise Http404

    year, as_of, notice, error = _period(request)
    progress = dashboard_progress(year=year, as_of=as_of)
    row = township_row(progress, code)
    if row is None:
        raise Http404
    context = _common(request, progress, as_of_error=error, notice=notice)
    base = context["people_base"]
    people = counted_people(user=request.user, year=year, as_of=progress.as_of, township_id=township.pk)
    context.update(
        {
            "township": township,
            "row": row,
            "is_bureau": role == Role.BUREAU,
            "ranked_total": ranked_count(progress),
            "people_url": _people_url(base, township=code),
            "returnee_url": _people_url(base, township=code, returnee=1),
            "months": _link_months(month_rows(progress, row["monthly"], row["target"]), base, township=code),
            "trend": trend_chart(progress, row["monthly"], row["target"]),
            "people": _people_rows(request, people[:20], _industry_names()),
        }
    )
    return render(request, "targets/township.html", context, status=400 if error else 200)


@login_required
def industry_dashboard(request, code: str):
    """One industry and, for an industry department, the other industries it leads."""
    role, denied = _role_or_response(request, (Role.BUREAU, Role.INDUSTRY))
    if denied:
        return denied
    industry = get_object_or_404(Industry, code=code)
    scope = scope_for(request.user)
    if not scope.sees_industry(industry.pk):
        raise Http404

    year, as_of, notice, error = _period(request)
    progress = dashboard_progress(year=year, as_of=as_of)
    codes = (
        None if scope.all_industries else set(visible_industries(request.user).values_list("code", flat=True))
    )
    context = _common(request, progress, as_of_error=error, notice=notice)
    base = context["people_base"]
    rows = _link_rows(industry_rows(progress, codes), base, "industry")
    sectors = sector_rows(progress, codes)
    for row in sectors:
        row["people_url"] = _people_url(base, industry=row["industries"])
    context.update(
        {
            "industry": industry,
            "row": next(r for r in rows if r["code"] == code),
            "industries": rows,
            "sectors": sectors,
            "is_bureau": role == Role.BUREAU,
        }
    )
    return render(request, "targets/industry.html", context, status=400 if error else 200)


def _industry_names() -> dict[int, str]:
    return dict(Industry.objects.values_list("id", "name"))


def _people_rows(request, workers, industry_names: dict[int, str]) -> list[dict]:
    scope = scope_for(request.user)
    may_change = scope.can_write and request.user.has_perm("workers.change_worker")
    return [
        {
            "name": worker.name,
            "masked_id_number": worker.masked_id_number,
            "sex": worker.get_sex_display(),
            "township": worker.township.name,
            "village": worker.village,
            "industry": industry_names.get(worker.counted_industry_id, ""),
            "start_date": worker.counted_start_date,
            "categories": "、".join(worker.categories),
            "change_url": reverse("admin:workers_worker_change", args=[worker.pk])
            if may_change and scope.sees_township(worker.township_id)
            else None,
        }
        for worker in workers
    ]


@login_required
def people(request):
    """The workers behind a count, scoped: an explicit township or industry outside the user's scope is
    404, and the list itself is always filtered by `scope_queryset`."""
    _role, denied = _role_or_response(request, (Role.BUREAU, Role.CLERK, Role.INDUSTRY))
    if denied:
        return denied
    scope = scope_for(request.user)
    year, as_of, notice, error = _period(request)
    month = None
    if error is None:
        try:
            month = parse_month(request.GET.get("month"))
        except ValidationError as exc:
            error = exc.messages[0]
    township = None
    if request.GET.get("township"):
        township = Township.objects.filter(code=request.GET["township"]).first()
        if township is None or not scope.sees_township(township.pk):
            raise Http404
    industries = []
    for code in request.GET.getlist("industry"):
        industry = Industry.objects.filter(code=code).first()
        if industry is None or not scope.sees_industry(industry.pk):
            raise Http404
        industries.append(industry)
    returnee = request.GET.get("returnee") == "1"

    workers = counted_people(
        user=request.user,
        year=year,
        as_of=None if error else as_of,
        township_id=township.pk if township else None,
        industry_ids=[i.pk for i in industries],
        returnee=returnee,
        month=month,
    )
    page = Paginator(workers, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "year": year,
        "as_of": as_of or default_as_of(year),
        "as_of_error": error,
        "notice": notice,
        "township": township,
        "industries": industries,
        "returnee": returnee,
        "month": month,
        "page": page,
        "rows": _people_rows(request, page.object_list, _industry_names()),
        "page_query": _query(request, page=None),
        "back_url": reverse("targets:township", args=[township.code])
        if township and scope.role != Role.INDUSTRY
        else reverse("targets:dashboard"),
    }
    return render(request, "targets/people.html", context, status=400 if error else 200)


@login_required
def briefing(request):
    """The monthly briefing (通报表) as .xlsx, for bureau staff."""
    _role, denied = _role_or_response(request, (Role.BUREAU,))
    if denied:
        return denied
    year, as_of, _notice, error = _period(request)
    if error:
        return _deny(request, error, status=400)
    progress = dashboard_progress(year=year, as_of=as_of)
    response = HttpResponse(briefing_workbook(progress), content_type=XLSX)
    filename = briefing_filename(progress)
    response["Content-Disposition"] = (
        f'attachment; filename="briefing-{progress.year}-{progress.as_of.isoformat()}.xlsx"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    return response


AUDIT_PER_PAGE = 50
AUDIT_ONLY_BUREAU = _("只有区人力社保局工作人员和系统管理员可以查看操作日志。")


@login_required
def audit_log(request):
    """The audit log search (issue 7): by person, user, township and date; bureau and superusers only."""
    from .audit import audit_entries, entry_summary

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
