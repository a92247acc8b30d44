"""The household rule pages: the 零就业家庭 of the user's townships with their members and job intentions (and
their export), and the per-township rates that set the 1131 completion rate of the year beside today's share
of households meeting the rule.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.shortcuts import render
from django.utils import timezone

from targets.scoping import visible_townships
from workers.models import Worker

from .. import exports, selectors
from ._common import YEARS, _listing, _page, _role_check, _township_filter, _township_ids, _xlsx, _year


@login_required
def households(request):
    """零就业家庭 per township, with members and their job intentions."""
    denied = _role_check(request)
    if denied:
        return denied
    township = _township_filter(request)
    today = timezone.localdate()
    members = Prefetch("members", queryset=Worker.objects.order_by("pk"))
    rows = selectors.zero_employment_households(on=today, township_ids=_township_ids(request, township))
    term = (request.GET.get("q") or "").strip()
    if term:
        rows = rows.filter(Q(head_name__icontains=term) | Q(village__icontains=term) | Q(number=term))
    sort = request.GET.get("sort") or "township"
    order = {
        "township": ["township__code", "village", "number"],
        "number": ["number"],
        "village": ["village", "number"],
    }
    rows = rows.order_by(*order.get(sort, order["township"])).prefetch_related(members)
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.households_xlsx(user=request.user, households=rows, on=today), "零就业家庭.xlsx")
    page = _page(request, rows)
    return render(
        request,
        "assistance/households.html",
        {
            "page": page,
            "township": township,
            "townships": visible_townships(request.user),
            "sort": sort,
            "today": today,
            **_listing(request, page, term),
        },
    )


@login_required
def rates(request):
    """Per township: 1131 completion rate of the year and the share of households meeting the rule today."""
    denied = _role_check(request)
    if denied:
        return denied
    year = _year(request)
    ids = _township_ids(request, None)
    routine = selectors.routine_rates(year=year, township_ids=ids)
    household = selectors.household_rule_rates(township_ids=ids)
    rows = []
    for township in visible_townships(request.user).order_by("code"):
        r, h = routine.get(township.pk), household.get(township.pk)
        rows.append({"township": township, "routine": r, "household": h})
    if request.GET.get("hide_empty") == "1":
        rows = [r for r in rows if r["routine"] or r["household"]]
    sort = request.GET.get("sort") or "code"
    if sort == "routine":
        rows.sort(key=lambda r: (r["routine"] is None, (r["routine"] or {}).get("rate") or 0))
    elif sort == "household":
        rows.sort(key=lambda r: (r["household"] is None, (r["household"] or {}).get("share") or 0))

    def total(parts, key):
        return sum(p[key] for p in parts.values())

    totals = {
        "people": total(routine, "people"),
        "complete": total(routine, "complete"),
        "households": total(household, "households"),
        "meeting": total(household, "meeting"),
    }
    totals["rate"] = totals["complete"] / totals["people"] if totals["people"] else None
    totals["share"] = totals["meeting"] / totals["households"] if totals["households"] else None
    return render(
        request,
        "assistance/rates.html",
        {"rows": rows, "year": year, "years": YEARS, "totals": totals, "sort": sort},
    )
