"""Follow-up records of people who left assistance (issue 20, item 6). City document §二: "对已消除风险的防止返贫
致贫对象和继续帮扶对象，按程序规范有序退出帮扶范围，做好后续跟踪服务". A record belongs to an exited enrolment and is
dated inside its follow-up period (exit date to `Enrolment.follow_up_until`).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.scoping import ensure_township_writable

from ..models import Enrolment, FollowUpRecord
from ._common import _locked_worker, _not_future, _text

NOT_IN_FOLLOW_UP = _("此人不在退出后跟踪服务期内（退出后跟踪至 {until}）。")
NOT_EXITED = _("此人仍在帮扶中，请在“1131”服务中登记。")
FOLLOW_UP_DATE_OUTSIDE = _("跟踪日期应在退出日期（{exit}）至跟踪服务截止日（{until}）之间。")
FOLLOW_UP_NOTE_REQUIRED = _("请填写跟踪情况（如就业状态、收入、困难和需求）。")


@transaction.atomic
def follow_up_record(*, acting_user, enrolment: Enrolment, date: date, note: str) -> FollowUpRecord:
    """Record one follow-up contact after the exit of `enrolment`."""
    enrolment = Enrolment.objects.select_related("worker").get(pk=enrolment.pk)
    _locked_worker(enrolment.worker)
    ensure_township_writable(acting_user, enrolment.worker.township_id)
    if enrolment.exit_date is None:
        raise ValidationError(NOT_EXITED)
    if enrolment.follow_up_until is None:
        raise ValidationError(NOT_IN_FOLLOW_UP.format(until="—"))
    note = _text(note, label=_("跟踪情况"), max_length=200, field="note")
    if not note:
        raise ValidationError({"note": FOLLOW_UP_NOTE_REQUIRED})
    _not_future(date, label=_("跟踪日期"), field="date")
    if not enrolment.exit_date <= date <= enrolment.follow_up_until:
        raise ValidationError(
            {"date": FOLLOW_UP_DATE_OUTSIDE.format(exit=enrolment.exit_date, until=enrolment.follow_up_until)}
        )
    return FollowUpRecord.objects.create(
        enrolment=enrolment,
        date=date,
        note=note,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
