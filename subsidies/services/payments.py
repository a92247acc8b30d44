"""The end of the workflow of subsidies: the public notice and the recorded payment.

The notice starts after the district approval and lasts `SUBSIDY_NOTICE_WORKING_DAYS` working days
(`working_days_end`); only after it has ended does the application become payable. A payment is recorded by
a reviewer or bureau staff who neither submitted nor district-approved the application, with a voucher number
used once only and a payment date between the district approval and today.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Application, Payment
from .workflow import Action, _ensure_reviewer, _ensure_transition, _lock, _move

OWN_APPROVAL_PAY = _("您提交或审核通过了该申请，发放须由另一位工作人员登记（四眼原则）。")
NOTICE_NOT_OVER = _("公示期至 {end} 截止，期满后才能转为待发放。")
VOUCHER_REQUIRED = _("请填写发放凭证号。")
VOUCHER_DUPLICATE = _("凭证号 {voucher} 已用于另一笔发放，请核对。")
PAID_ON_INVALID = _("发放日期不能晚于今天，也不能早于区级审核日期 {approved}。")


def working_days_end(start: date, days: int) -> date:
    """The last day of a period of `days` working days (Monday–Friday) beginning on `start`."""
    day, counted = start, 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted >= days:
                return day
        day += timedelta(days=1)


@transaction.atomic
def application_notice_start(
    *, acting_user, application: Application, start: date | None = None, comment: str = ""
) -> Application:
    locked = _lock(application)
    _ensure_reviewer(acting_user, locked, Action.NOTICE_START)
    target = _ensure_transition(locked, Action.NOTICE_START)
    start = start or timezone.localdate()
    end = working_days_end(start, settings.SUBSIDY_NOTICE_WORKING_DAYS)
    return _move(
        locked,
        action=Action.NOTICE_START,
        target=target,
        user=acting_user,
        comment=comment or _("公示期 {start} 至 {end}").format(start=start, end=end),
        notice_start=start,
        notice_end=end,
    )


@transaction.atomic
def application_notice_end(
    *, acting_user, application: Application, today: date | None = None, comment: str = ""
) -> Application:
    locked = _lock(application)
    _ensure_reviewer(acting_user, locked, Action.NOTICE_END)
    target = _ensure_transition(locked, Action.NOTICE_END)
    today = today or timezone.localdate()
    if locked.notice_end is None or today <= locked.notice_end:
        raise ValidationError(NOTICE_NOT_OVER.format(end=locked.notice_end), code="notice")
    return _move(locked, action=Action.NOTICE_END, target=target, user=acting_user, comment=comment)


@transaction.atomic
def application_pay(
    *, acting_user, application: Application, paid_on: date, voucher_no: str, comment: str = ""
) -> Application:
    locked = _lock(application)
    _ensure_reviewer(acting_user, locked, Action.PAY)
    target = _ensure_transition(locked, Action.PAY)
    if acting_user.pk in (locked.submitted_by_id, locked.district_reviewed_by_id):
        raise PermissionDenied(OWN_APPROVAL_PAY)
    voucher_no = (voucher_no or "").strip()
    if not voucher_no:
        raise ValidationError({"voucher_no": VOUCHER_REQUIRED})
    approved_on = timezone.localdate(locked.district_reviewed_at)
    if paid_on is None or paid_on > timezone.localdate() or paid_on < approved_on:
        raise ValidationError({"paid_on": PAID_ON_INVALID.format(approved=approved_on)})
    if Payment.objects.filter(voucher_no=voucher_no).exists():
        raise ValidationError({"voucher_no": VOUCHER_DUPLICATE.format(voucher=voucher_no)})
    try:
        with transaction.atomic():
            Payment.objects.create(
                application=locked,
                amount=locked.amount_approved,
                paid_on=paid_on,
                voucher_no=voucher_no,
                recorded_by=acting_user,
            )
    except IntegrityError:
        raise ValidationError({"voucher_no": VOUCHER_DUPLICATE.format(voucher=voucher_no)})
    return _move(
        locked,
        action=Action.PAY,
        target=target,
        user=acting_user,
        comment=comment or _("凭证号 {voucher}，发放日期 {day}").format(voucher=voucher_no, day=paid_on),
    )
