"""Shared pieces of the assistance writes: the acting user's bureau check, the township check of a record that
may belong to the district (courses, events), the cleaning of free text and dates with the clerk's message,
and the lock on one worker's row. Every write module imports these; nothing here imports them back.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import Role, Township
from targets.scoping import ensure_township_writable, scope_for
from workers.models import Worker

ONLY_BUREAU = _("只有区人力社保局工作人员可以执行此操作。")
DATE_IN_FUTURE = _("{label}不能晚于今天。")
NAME_REQUIRED = _("请填写{label}。")
FIELD_TOO_LONG = _("{label}不能超过 {n} 个字。")


def _today() -> date:
    return timezone.localdate()


def _ensure_bureau(acting_user) -> None:
    scope = scope_for(acting_user)
    if scope.role != Role.BUREAU or not scope.can_write:
        raise PermissionDenied(ONLY_BUREAU)


def _ensure_course_township(acting_user, township: Township | None) -> None:
    if township is None:
        _ensure_bureau(acting_user)  # a district course is the bureau's
    else:
        ensure_township_writable(acting_user, township)


def _text(value, *, label, max_length: int, required: bool = False, field: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(
            {field: NAME_REQUIRED.format(label=label)} if field else NAME_REQUIRED.format(label=label)
        )
    if len(text) > max_length:
        message = FIELD_TOO_LONG.format(label=label, n=max_length)
        raise ValidationError({field: message} if field else message)
    return text


def _not_future(day: date, *, label: str, field: str) -> None:
    if day > _today():
        raise ValidationError({field: DATE_IN_FUTURE.format(label=label)})


def _locked_worker(worker: Worker) -> Worker:
    """The worker row, locked until commit, so checks and the write of one person are serialised."""
    return Worker.objects.select_for_update().select_related("township").get(pk=worker.pk)
