"""The bureau's pages: the key-task board of the year, each indicator linked to its drill-down, and the people
behind the labour-brand and gig-market indicators, employments by channel.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from targets.models import Role

from .. import selectors
from ._common import YEARS, _listing, _page, _role_check, _year


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
    names = selectors.brand_channels() if kind == "brand" else selectors.carrier_channels()
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
