"""The "1131" service records of people in assistance (issue 9): policy briefings, career guidance, job pushes
and training referrals. A record is refused for a day the person was not enrolled, and the same record
(person, kind, day and pushed post) is kept once; `service_check` is shared with the spreadsheet import, so
the form and the import give the clerk the same messages.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.scoping import ensure_township_writable
from workers.models import Worker

from ..models import Enrolment, ServiceKind, ServiceRecord
from ._common import DATE_IN_FUTURE, _text, _today
from .enrolment import enrolled_on

NOT_ENROLLED_ON = _("{date} 此人不在帮扶范围内（没有覆盖该日期的帮扶登记），不能记录“1131”服务。")
SERVICE_KIND_INVALID = _("服务类型只能是政策宣介、职业指导、岗位推送或就业培训推荐。")
JOB_PUSH_NEEDS_POST = _("岗位推送必须填写推送的单位和岗位。")
PROVIDER_REQUIRED = _("请填写服务人员。")
SERVICE_DUPLICATE = _("{date} 的这条{kind}记录已经登记，不能重复登记。")


def service_check(
    *,
    worker: Worker,
    kind: str,
    date: date,
    provided_by: str,
    employer_name: str = "",
    post_name: str = "",
    enrolled: bool | None = None,
) -> dict:
    """The checks of one service record (form, import); returns the cleaned text fields. `enrolled` lets the
    import pass what it preloaded for the whole file instead of one query per row."""
    errors: dict[str, list] = {}
    if kind not in ServiceKind.values:
        errors.setdefault("kind", []).append(SERVICE_KIND_INVALID)
    cleaned = {}
    for field, label, length in (
        ("provided_by", _("服务人员"), 50),
        ("employer_name", _("推送岗位单位"), 200),
        ("post_name", _("推送岗位"), 100),
    ):
        try:
            cleaned[field] = _text(locals()[field], label=label, max_length=length)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            cleaned[field] = ""
    if not cleaned["provided_by"] and "provided_by" not in errors:
        errors.setdefault("provided_by", []).append(PROVIDER_REQUIRED)
    if kind == ServiceKind.JOB_PUSH and not (cleaned["employer_name"] and cleaned["post_name"]):
        errors.setdefault("post_name", []).append(JOB_PUSH_NEEDS_POST)
    if kind != ServiceKind.JOB_PUSH:
        cleaned["employer_name"] = cleaned["post_name"] = ""
    if date > _today():
        errors.setdefault("date", []).append(DATE_IN_FUTURE.format(label=_("服务日期")))
    elif not (enrolled if enrolled is not None else enrolled_on(worker.pk, date)):
        errors.setdefault("date", []).append(NOT_ENROLLED_ON.format(date=date.isoformat()))
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def service_record(
    *,
    acting_user,
    worker: Worker,
    kind: str,
    date: date,
    provided_by: str,
    employer_name: str = "",
    post_name: str = "",
    note: str = "",
) -> ServiceRecord:
    """Record one service of the "1131" routine for an enrolled worker."""
    ensure_township_writable(acting_user, worker.township_id)
    cleaned = service_check(
        worker=worker,
        kind=kind,
        date=date,
        provided_by=provided_by,
        employer_name=employer_name,
        post_name=post_name,
    )
    note = _text(note, label=_("备注"), max_length=200, field="note")
    duplicate = ServiceRecord.objects.filter(
        worker=worker,
        kind=kind,
        date=date,
        employer_name=cleaned["employer_name"],
        post_name=cleaned["post_name"],
    )
    message = SERVICE_DUPLICATE.format(date=date.isoformat(), kind=ServiceKind(kind).label)
    if duplicate.exists():
        raise ValidationError(message, code="duplicate")
    try:
        with transaction.atomic():
            return ServiceRecord.objects.create(
                worker=worker,
                kind=kind,
                date=date,
                note=note,
                created_by=acting_user if getattr(acting_user, "pk", None) else None,
                **cleaned,
            )
    except IntegrityError:
        raise ValidationError(message, code="duplicate") from None


@transaction.atomic
def service_delete(*, acting_user, record: ServiceRecord) -> None:
    locked = ServiceRecord.objects.select_for_update().select_related("worker").get(pk=record.pk)
    ensure_township_writable(acting_user, locked.worker.township_id)
    locked.delete()
    # A record's removal changes the person's 1131 status: the routine-status feed (monitoring.api) takes
    # its change time from the person's enrolments, so a client resuming from its cursor sees it again.
    Enrolment.objects.filter(worker_id=locked.worker_id).update(updated_at=timezone.now())
