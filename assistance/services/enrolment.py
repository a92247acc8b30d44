"""Taking people into assistance and out of it (issue 9). One open enrolment per person at a time, a new
period starts after the last one ended, and an exit keeps the row as history. `enrolled_on` is the check the
"1131" services use to refuse a record for a day outside every enrolment.
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.scoping import ensure_township_writable
from workers.models import Worker

from ..models import Enrolment, EnrolmentCategory, ExitReason
from ._common import _locked_worker, _not_future, _text

ALREADY_ENROLLED = _("此人已在帮扶中（{category}，{entry} 纳入），不能重复纳入。")
ENTRY_BEFORE_LAST_EXIT = _("纳入日期不能早于上次退出帮扶的日期（{exit}）。")
ENTRY_REASON_REQUIRED = _("请填写纳入帮扶的原因。")
CATEGORY_INVALID = _("帮扶类别只能是防止返贫致贫对象、继续帮扶对象或脱贫人口。")
ALREADY_EXITED = _("该帮扶记录已于 {exit} 退出，不能再次退出。")
EXIT_BEFORE_ENTRY = _("退出日期不能早于纳入日期（{entry}）。")
EXIT_REASON_INVALID = _("请选择退出原因。")
EXIT_NOTE_REQUIRED = _("退出原因为“其他”时，请填写退出说明。")
FOLLOW_UP_MONTHS_INVALID = _("跟踪服务期限应为 0 至 36 个月。")

#: Seed 004 §二 "做好后续跟踪服务" gives no length; the district's default, in months after exit (issue 20,
#: item 6), overridable by the setting ASSISTANCE_FOLLOW_UP_MONTHS and per exit.
DEFAULT_FOLLOW_UP_MONTHS = 12


def default_follow_up_months() -> int:
    return int(getattr(settings, "ASSISTANCE_FOLLOW_UP_MONTHS", DEFAULT_FOLLOW_UP_MONTHS))


@transaction.atomic
def enrolment_enter(
    *, acting_user, worker: Worker, category: str, entry_date: date, entry_reason: str
) -> Enrolment:
    """Take a worker into assistance. One open enrolment per person; a new period starts after the last."""
    worker = _locked_worker(worker)
    ensure_township_writable(acting_user, worker.township_id)
    if category not in EnrolmentCategory.values:
        raise ValidationError({"category": CATEGORY_INVALID})
    entry_reason = _text(entry_reason, label=_("纳入原因"), max_length=200, field="entry_reason")
    if not entry_reason:
        raise ValidationError({"entry_reason": ENTRY_REASON_REQUIRED})
    _not_future(entry_date, label=_("纳入日期"), field="entry_date")
    current = Enrolment.objects.filter(worker=worker, exit_date__isnull=True).first()
    if current is not None:
        raise ValidationError(
            ALREADY_ENROLLED.format(category=current.get_category_display(), entry=current.entry_date),
            code="enrolled",
        )
    last_exit = (
        Enrolment.objects.filter(worker=worker, exit_date__gte=entry_date).order_by("-exit_date").first()
    )
    if last_exit is not None:
        raise ValidationError({"entry_date": ENTRY_BEFORE_LAST_EXIT.format(exit=last_exit.exit_date)})
    return Enrolment.objects.create(
        worker=worker,
        category=category,
        entry_date=entry_date,
        entry_reason=entry_reason,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )


@transaction.atomic
def enrolment_exit(
    *,
    acting_user,
    enrolment: Enrolment,
    exit_date: date,
    exit_reason: str,
    exit_note: str = "",
    follow_up_months: int | None = None,
) -> Enrolment:
    """End an enrolment (risk eliminated, moved, deceased, …); the row stays as history. The person stays on
    the follow-up list for `follow_up_months` after the exit (default `default_follow_up_months()`; none
    after a death)."""
    locked = Enrolment.objects.select_for_update().select_related("worker").get(pk=enrolment.pk)
    ensure_township_writable(acting_user, locked.worker.township_id)
    if locked.exit_date is not None:
        raise ValidationError(ALREADY_EXITED.format(exit=locked.exit_date), code="exited")
    if exit_reason not in ExitReason.values:
        raise ValidationError({"exit_reason": EXIT_REASON_INVALID})
    exit_note = _text(exit_note, label=_("退出说明"), max_length=200, field="exit_note")
    if exit_reason == ExitReason.OTHER and not exit_note:
        raise ValidationError({"exit_note": EXIT_NOTE_REQUIRED})
    _not_future(exit_date, label=_("退出日期"), field="exit_date")
    if exit_date < locked.entry_date:
        raise ValidationError({"exit_date": EXIT_BEFORE_ENTRY.format(entry=locked.entry_date)})
    months = default_follow_up_months() if follow_up_months is None else follow_up_months
    if not 0 <= months <= 36:
        raise ValidationError({"follow_up_months": FOLLOW_UP_MONTHS_INVALID})
    no_follow_up = exit_reason == ExitReason.DECEASED or months == 0
    locked.follow_up_until = None if no_follow_up else exit_date + relativedelta(months=months)
    locked.exit_date = exit_date
    locked.exit_reason = exit_reason
    locked.exit_note = exit_note
    locked.exited_by = acting_user if getattr(acting_user, "pk", None) else None
    locked.save()
    return locked


def enrolled_on(worker_id: int, day: date) -> bool:
    return (
        Enrolment.objects.filter(worker_id=worker_id, entry_date__lte=day).exclude(exit_date__lt=day).exists()
    )
