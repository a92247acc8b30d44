"""The people behind a count: the scoped, paginated list every number on the dashboards links to.

An explicit township or industry outside the user's scope is 404; the list itself always comes from
`selectors_dashboard.counted_people`, filtered by `scope_queryset`. Names are shown with masked ID numbers,
and a row links to the worker's admin page only for a user who may change it (a person who has moved away is
listed in the township where they counted, marked 已迁出, read-only there). The township page shows the
first rows of the same list (`_people_rows`).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from ..models import Industry, Role, Township
from ..progress import default_as_of
from ..scoping import scope_for
from ..selectors_dashboard import counted_people, parse_month
from ._common import _period, _query, _role_or_response

PEOPLE_PER_PAGE = 50


def _industry_names() -> dict[int, str]:
    return dict(Industry.objects.values_list("id", "name"))


def _masked_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1)


def _people_rows(request, workers, industry_names: dict[int, str]) -> list[dict]:
    """A person who has moved since the job that made them count stays in the old township's list (rule
    4.1), marked 已迁出; a user who cannot see the new township sees the name masked and no link."""
    scope = scope_for(request.user)
    may_change = scope.can_write and request.user.has_perm("workers.change_worker")
    township_names = dict(Township.objects.values_list("id", "name"))
    return [
        {
            "name": worker.name
            if not worker.moved_out or scope.sees_township(worker.township_id)
            else _masked_name(worker.name),
            "masked_id_number": worker.masked_id_number,
            "sex": worker.get_sex_display(),
            "township": township_names.get(worker.counted_township_id, ""),
            "moved_out": worker.moved_out,
            "current_township": worker.township.name,
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
