"""Subsidy figures: the yearly summary page, the totals .xlsx and the payment list .xlsx.

The summary and the totals read selectors scoped to the user's townships. The payment list holds full ID
numbers, phone numbers and credit codes for the payment itself, so only bureau staff may export it, and each
of its exports is written to the audit log.
"""

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets import audit
from targets.models import Role
from targets.scoping import scope_for
from wanzhou_jobs.spreadsheets import write_xlsx

from .. import selectors
from ..models import Status
from ..services import PLAN_YEARS
from ._common import _deny, _guard, _note, _xlsx, _year

ONLY_BUREAU = _("发放清单含完整身份证号，仅供区人力社保局导出。")


@login_required
def payment_export(request):
    _guard(request)
    if scope_for(request.user).role != Role.BUREAU:
        return _deny(request, ONLY_BUREAU)
    year = _year(request.GET.get("year"))
    status = Status.PAID if request.GET.get("status") == Status.PAID else Status.PAYABLE
    rows = []
    for n, a in enumerate(selectors.payment_rows(user=request.user, year=year, status=status), start=1):
        payment = getattr(a, "payment", None) if a.status == Status.PAID else None
        rows.append(
            [
                n,
                a.number,
                a.township.name,
                a.kind.name,
                a.get_applicant_type_display(),
                a.applicant_label,
                a.worker.id_number if a.worker_id else "",
                a.worker.phone if a.worker_id else "",
                a.employer.credit_code if a.employer_id else "",
                a.amount_requested,
                a.amount_approved,
                a.notice_end,
                payment.paid_on if payment else None,
                payment.voucher_no if payment else "",
            ]
        )
    headers = [
        "序号",
        "申请编号",
        "镇乡街道",
        "补贴类别",
        "申请对象类型",
        "申请对象",
        "公民身份号码",
        "联系电话",
        "统一社会信用代码",
        "申请金额（元）",
        "核定金额（元）",
        "公示截止",
        "发放日期",
        "凭证号",
    ]
    buffer = BytesIO()
    title = "补贴发放清单（待发放）" if status == Status.PAYABLE else "补贴发放清单（已发放）"
    write_xlsx(buffer, [("发放清单", headers, rows)], title=title, note=_note(request))
    audit.audit_event("export", actor=request.user, detail={"export": "subsidy_payments", "rows": len(rows)})
    return _xlsx(buffer.getvalue(), f"补贴发放清单-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def totals_export(request):
    _guard(request)
    year = _year(request.GET.get("year")) or timezone.localdate().year
    rows = [
        [r["kind__name"], r["township__name"], r["count"], r["applied"], r["approved"], r["paid"]]
        for r in selectors.yearly_totals(user=request.user, year=year)
    ]
    buffer = BytesIO()
    headers = ["补贴类别", "镇乡街道", "申请件数", "申请金额（元）", "核定金额（元）", "已发放金额（元）"]
    write_xlsx(
        buffer, [(f"{year}年", headers, rows)], title=f"{year}年补贴分类别分镇街合计", note=_note(request)
    )
    return _xlsx(buffer.getvalue(), f"补贴年度合计-{year}.xlsx")


@login_required
def summary(request):
    _guard(request)
    year = _year(request.GET.get("year")) or min(
        max(timezone.localdate().year, min(PLAN_YEARS)), max(PLAN_YEARS)
    )
    return render(
        request,
        "subsidies/summary.html",
        {
            "year": year,
            "years": PLAN_YEARS,
            "by_kind": selectors.summary_by(user=request.user, year=year, group="kind"),
            "by_township": selectors.summary_by(user=request.user, year=year, group="township"),
            "by_month": selectors.summary_by(user=request.user, year=year, group="month"),
            "budgets": selectors.budget_rows(user=request.user, year=year),
            "is_bureau": scope_for(request.user).role == Role.BUREAU,
        },
    )
