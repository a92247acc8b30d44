"""The progress dashboards: the district's (bureau), one township's and one industry's.

The district dashboard sends clerks and industry departments to their own page. Every count links to the
people behind it (`_people_url`), and the township table sorts by any column (`_sort_headers`). Its body is
the same for every bureau user looking at the same snapshot and query, so it is rendered once and kept in
the cache (`_page_key`); a cache that cannot be reached only costs a fresh render.
"""

import hashlib
import logging
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _g

from workers.models import Worker

from ..models import Industry, Role, Township
from ..scoping import scope_for, visible_industries
from ..selectors_dashboard import (
    completion_chart,
    counted_people,
    dashboard_progress,
    headline,
    industry_rows,
    lagging_counts,
    month_rows,
    parse_sort,
    pct,
    plan_years,
    ranked_count,
    sector_rows,
    township_row,
    township_rows,
    trend_chart,
)
from ._common import _period, _query, _role_or_response
from .people_list import _industry_names, _people_rows

PAGE_CACHE_SECONDS = 600

# Named as before the split, so the warnings keep their logger name.
logger = logging.getLogger("targets.views")


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
    # Like the district page, the body is rendered once per snapshot for everyone who sees it alike: the key
    # adds the viewer's role, rights and townships (the people list's links and masks follow them) and the
    # latest change to a person (a corrected name shows at once; a job change recomputes the snapshot).
    cacheable = not (progress.live or error or notice)
    key = _page_key(f"township:{code}:{_viewer_key(request)}", request, progress) if cacheable else None
    body = _cache_get(key)
    if body is None:
        body = _township_body(request, progress, township, row, role, error=error, notice=notice)
        _cache_set(key, body)
    return render(
        request,
        "targets/township.html",
        {"body": mark_safe(body), "year": year, "township": township, "is_bureau": role == Role.BUREAU},  # noqa: S308
        status=400 if error else 200,
    )


def _viewer_key(request) -> str:
    """What of the viewer changes a township page: role, rights, townships, and the last change to a person."""
    scope = scope_for(request.user)
    user = request.user
    rights = [user.is_superuser, scope.can_write, user.has_perm("workers.add_worker")]
    rights.append(user.has_perm("workers.change_worker"))
    townships = "all" if scope.all_townships else ",".join(map(str, sorted(scope.township_ids)))
    changed = Worker.objects.aggregate(last=Max("updated_at"))["last"]
    return hashlib.sha256(f"{scope.role}|{rights}|{townships}|{changed}".encode()).hexdigest()[:16]


def _township_body(request, progress, township, row, role, *, error, notice) -> str:
    year = progress.year
    context = _common(request, progress, as_of_error=error, notice=notice)
    base = context["people_base"]
    people = counted_people(user=request.user, year=year, as_of=progress.as_of, township_id=township.pk)
    context.update(
        {
            "township": township,
            "row": row,
            "is_bureau": role == Role.BUREAU,
            "ranked_total": ranked_count(progress),
            "people_url": _people_url(base, township=township.code),
            "returnee_url": _people_url(base, township=township.code, returnee=1),
            "months": _link_months(
                month_rows(progress, row["monthly"], row["target"]), base, township=township.code
            ),
            "trend": trend_chart(progress, row["monthly"], row["target"]),
            "people": _people_rows(request, people[:20], _industry_names()),
        }
    )
    return render_to_string("targets/_township_body.html", context, request)


@login_required
def industry_dashboard(request, code: str):
    """One industry and the other industries its lead department leads (an industry department: the
    industries of its assignment)."""
    role, denied = _role_or_response(request, (Role.BUREAU, Role.INDUSTRY))
    if denied:
        return denied
    industry = get_object_or_404(Industry, code=code)
    scope = scope_for(request.user)
    if not scope.sees_industry(industry.pk):
        raise Http404

    year, as_of, notice, error = _period(request)
    progress = dashboard_progress(year=year, as_of=as_of)
    if scope.all_industries:
        # Bureau staff looking at one industry see its lead department's industries, not all twelve.
        led = (
            Industry.objects.filter(lead_department=industry.lead_department)
            if industry.lead_department
            else None
        )
        codes = set(led.values_list("code", flat=True)) if led is not None else {industry.code}
    else:
        codes = set(visible_industries(request.user).values_list("code", flat=True))
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
