"""The public notice of subsidies: the applications in notice, as a page and as an .xlsx list.

A public list shows names and masked ID numbers only (GB/T 35273: no full ID number in public); it is
filtered by year and township within the user's scope, and every .xlsx export is written to the audit log.
"""

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from targets import audit
from targets.scoping import visible_townships
from wanzhou_jobs.spreadsheets import write_xlsx

from .. import selectors
from ..services import PLAN_YEARS
from ._common import _guard, _note, _query, _xlsx, _year


def _notice_subject(application) -> tuple[str, str]:
    """(name, masked ID) as the public notice shows them (GB/T 35273: no full ID number in public)."""
    if application.worker_id:
        return application.worker.name, application.worker.masked_id_number
    return application.applicant_label, ""


def _notice_people(application) -> list[tuple[str, str, object]]:
    """The people and amounts of an employer's hiring-subsidy list, as the public checks them (masked IDs)."""
    return [(line.worker.name, line.worker.masked_id_number, line.amount) for line in application.lines.all()]


@login_required
def notice(request):
    _guard(request)
    year = _year(request.GET.get("year"))
    township = request.GET.get("township", "")
    queryset = selectors.notice_rows(user=request.user, year=year, township=township).prefetch_related(
        "lines__worker"
    )
    if request.GET.get("format") == "xlsx":
        rows = []
        for n, a in enumerate(queryset, start=1):
            name, masked = _notice_subject(a)
            rows.append(
                [
                    n,
                    a.township.name,
                    a.kind.name,
                    name,
                    masked,
                    a.lines.count() or "",
                    a.amount_approved,
                    a.notice_start,
                    a.notice_end,
                ]
            )
            for name, masked, amount in _notice_people(a):
                rows.append(["", "", "", f"  {name}", masked, "", amount, "", ""])
        buffer = BytesIO()
        headers = [
            "序号",
            "镇乡街道",
            "补贴类别",
            "申请对象",
            "公民身份号码",
            "申领人数",
            "核定金额（元）",
            "公示开始",
            "公示截止",
        ]
        write_xlsx(buffer, [("公示名单", headers, rows)], title="补贴公示名单", note=_note(request))
        audit.audit_event(
            "export", actor=request.user, detail={"export": "subsidy_notice", "rows": len(rows)}
        )
        return _xlsx(buffer.getvalue(), f"补贴公示名单-{timezone.localdate():%Y%m%d}.xlsx")
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    townships = visible_townships(request.user)
    return render(
        request,
        "subsidies/notice.html",
        {
            "page": page,
            "rows": [(a, *_notice_subject(a), _notice_people(a)) for a in page],
            "years": PLAN_YEARS,
            "year": year,
            "township": township,
            "townships": townships if townships.count() > 1 else None,
            "query": _query(request, "year", "township"),
        },
    )
