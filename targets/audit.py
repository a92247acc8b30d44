"""The audit trail (issue 7): who changed what, when, and through which door.

Two kinds of entries land in one table, django-auditlog's `LogEntry`:

* **Row changes** of registered models (`register(Model)`): create, change and delete are recorded by
  django-auditlog's signals with the field-by-field diff. Personal fields are masked in the diff
  (`500101********123X`, `138****1234`), bookkeeping fields (`version`, `updated_at`) are not tracked,
  so a save that changes nothing leaves no entry.
* **Events** that are not row changes (`audit_event(...)`): a view of an unmasked ID number, a download
  of an export with personal data, an import or rollback of a quarterly return. Action `ACCESS`, the
  event name in `additional_data["event"]`.

Every entry carries the actor, the client address and `additional_data`:
`{"door": "form" | "admin" | "import" | "api" | "command" | "task", "batch": <import batch id>,
  "township": <code>, "worker": <worker id>, "event": <name>}`. The door and actor come from the
`audit_context` around the work (set by `AuditMiddleware` for requests, by `DomainCommand` for
commands, by the import pipeline for batches); the township and person come from the model's
`audit_data()` so the log can be searched by person and township.

Tasks and messages never carry personal data, and neither does this log: only masked values.
"""

from __future__ import annotations

import re
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import timedelta

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

DOOR_FORM = "form"
DOOR_ADMIN = "admin"
DOOR_IMPORT = "import"
DOOR_API = "api"
DOOR_COMMAND = "command"
DOOR_TASK = "task"

DOOR_LABELS = {
    DOOR_FORM: "网页表单",
    DOOR_ADMIN: "管理后台",
    DOOR_IMPORT: "季度报表导入",
    DOOR_API: "接口",
    DOOR_COMMAND: "命令行",
    DOOR_TASK: "后台任务",
}

EVENT_LABELS = {
    "view_id_number": "查看完整身份证号",
    "export": "导出个人数据",
    "return_import": "导入季度报表",
    "return_rollback": "撤销季度报表",
    "quarter_lock": "锁定季度",
    "quarter_unlock": "解锁季度",
    "attachment_download": "下载附件",
    "assistance_import": "导入帮扶数据",
    "access_denied": "拒绝访问",
    "employer_credit_code": "补全或更正单位统一社会信用代码",
    "return_discard": "放弃导入批次",
    "return_retry": "重新处理失败的导入批次",
    "return_columns": "确认季度报表列对应",
    "worker_move": "户籍迁移",
    "report_submit": "报送季度数据",
    "report_return": "退回季度报送",
    "report_approve": "审核通过季度报送",
    "report_reopen": "解锁重开已审核的季度报送",
    "quarter_exception": "临时开放已锁定季度",
    "monitoring_list_applied": "导入监测名单",
}

#: Pages that take the id of a row, and the row's model. A 404 there on an id that exists is a refused
#: attempt (the row is outside the user's scope) and is audited like a 403 (issue 16, item 5). Admin
#: pages name their model themselves; `tests/security/test_doors.py` fails on a page with an id that is
#: missing here.
OBJECT_DOORS = {
    "workers:return_detail": "workers.ImportBatch",
    "workers:return_status": "workers.ImportBatch",
    "workers:return_confirm": "workers.ImportBatch",
    "workers:return_rollback": "workers.ImportBatch",
    "workers:return_errors": "workers.ImportBatch",
    "workers:return_discard": "workers.ImportBatch",
    "workers:return_retry": "workers.ImportBatch",
    "workers:return_columns": "workers.ImportBatch",
    "subsidies:detail": "subsidies.Application",
    "subsidies:edit": "subsidies.Application",
    "subsidies:attachment_upload": "subsidies.Application",
    "subsidies:move": "subsidies.Application",
    "subsidies:attachment": "subsidies.Attachment",
    "subsidies:attachment_delete": "subsidies.Attachment",
    "assistance:person": "workers.Worker",
    "assistance:enrol": "workers.Worker",
    "assistance:service_add": "workers.Worker",
    "assistance:enrolment_exit": "assistance.Enrolment",
    "assistance:service_delete": "assistance.ServiceRecord",
    "assistance:recognition_add": "workers.Worker",
    "assistance:intention_add": "workers.Worker",
    "assistance:health_check_add": "workers.Worker",
    "assistance:recognition_end": "assistance.Recognition",
    "assistance:follow_up_add": "assistance.Enrolment",
    "assistance:post_end": "assistance.PublicWelfarePost",
    "assistance:course": "assistance.Course",
    "assistance:course_import": "assistance.Course",
    "assistance:participant_update": "assistance.Participation",
    "targets:township": "targets.Township:code",
    "reporting:quarter": "targets.Township:code",
    "targets:industry": "targets.Industry:code",
}

#: Refused attempts recorded per user and minute; a probe of hundreds of ids leaves this many entries a
#: minute, and the rest only a count in the application log.
DENIED_PER_MINUTE = 20

# Fields that are never tracked: bookkeeping that changes on every save.
NOT_TRACKED = ("version", "updated_at", "created_at")

_context: ContextVar[dict | None] = ContextVar("wz_audit_context", default=None)

_ID_RE = re.compile(r"^\d{17}[\dX]$|^\d{15}$")
_PHONE_RE = re.compile(r"^1\d{10}$")


def mask_value(value: str) -> str:
    """django-auditlog's mask callable: ID numbers and phones in the house format, anything else starred."""
    from workers.validators import mask_id_number, mask_phone

    text = str(value)
    if text in ("", "None"):
        return text
    if _ID_RE.match(text):
        return mask_id_number(text)
    if _PHONE_RE.match(text):
        return mask_phone(text)
    return "*" * min(len(text), 8)


def register(model, *, mask_fields=(), exclude_fields=()):
    """Record create/change/delete of `model` with its diff; `mask_fields` are masked in the diff."""
    excluded = [f for f in NOT_TRACKED if any(field.name == f for field in model._meta.get_fields())]
    auditlog.register(
        model,
        mask_fields=list(mask_fields),
        exclude_fields=excluded + list(exclude_fields),
        mask_callable="targets.audit.mask_value",
        m2m_fields=set(),
    )
    return model


@contextmanager
def audit_context(*, door: str | None = None, actor=None, batch: int | None = None, remote_addr=None):
    """Attribute the row changes and events inside the block to `actor` through `door` (nests)."""
    outer = _context.get() or {}
    current = dict(outer)
    if door is not None:
        current["door"] = door
    if actor is not None and getattr(actor, "is_authenticated", False):
        current["actor"] = actor
    if batch is not None:
        current["batch"] = batch
    if remote_addr is not None:
        current["remote_addr"] = remote_addr
    token = _context.set(current)
    try:
        yield current
    finally:
        _context.reset(token)


@receiver(pre_save, sender=LogEntry, dispatch_uid="wz_audit_fill")
def _fill_entry(sender, instance: LogEntry, **kwargs):
    """Every entry gets the actor, address and door of the surrounding `audit_context`."""
    context = _context.get() or {}
    actor = context.get("actor")
    if actor is not None and instance.actor_id is None:
        instance.actor = actor
        instance.actor_email = ""
    if context.get("remote_addr") and not instance.remote_addr:
        instance.remote_addr = context["remote_addr"]
    data = dict(instance.additional_data or {})
    data.setdefault("door", context.get("door") or DOOR_COMMAND)
    if context.get("batch") is not None:
        data.setdefault("batch", context["batch"])
    instance.additional_data = data


def audit_event(
    event: str,
    *,
    obj=None,
    actor=None,
    township: str | None = None,
    worker: int | None = None,
    detail: dict | None = None,
) -> LogEntry:
    """An entry for an action that is not a row change (`event` is a key of EVENT_LABELS)."""
    data = {"event": event}
    if obj is not None and hasattr(obj, "audit_data"):
        data.update(obj.audit_data())
    if township:
        data["township"] = township
    if worker:
        data["worker"] = worker
    if detail:
        data["detail"] = detail
    entry = LogEntry(
        action=LogEntry.Action.ACCESS,
        changes_text="",
        changes={},
        additional_data=data,
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(type(obj))
        entry.object_pk = str(obj.pk)
        entry.object_id = obj.pk if isinstance(obj.pk, int) else None
        entry.object_repr = str(obj)[:200]
    else:
        entry.content_type = ContentType.objects.get_for_model(LogEntry)
        entry.object_pk = ""
        entry.object_repr = EVENT_LABELS.get(event, event)
    if actor is not None and getattr(actor, "is_authenticated", False):
        entry.actor = actor
    entry.save()
    return entry


def audit_event_on_commit(event: str, **kwargs) -> None:
    """`audit_event` once the surrounding transaction commits (nothing logged for a rolled-back write)."""
    context = _context.get()

    def _write():
        token = _context.set(context)
        try:
            audit_event(event, **kwargs)
        finally:
            _context.reset(token)

    transaction.on_commit(_write)


def retention_days() -> tuple[int, int]:
    """(audit log, API processing records) retention in days; never below 6 months and 3 years."""
    return (
        max(int(getattr(settings, "AUDIT_RETENTION_DAYS", 183)), 183),
        max(int(getattr(settings, "API_LOG_RETENTION_DAYS", 1096)), 1096),
    )


def audit_prune(*, now=None, dry_run: bool = False) -> dict[str, int]:
    """Delete audit entries and API access records older than their retention; returns the counts."""
    from targets.models import ApiAccessLog

    now = now or timezone.now()
    audit_days, api_days = retention_days()
    old_entries = LogEntry.objects.filter(timestamp__lt=now - timedelta(days=audit_days))
    old_api = ApiAccessLog.objects.filter(at__lt=now - timedelta(days=api_days))
    counts = {"audit": old_entries.count(), "api": old_api.count()}
    if not dry_run:
        with transaction.atomic():
            old_entries.delete()
            old_api.delete()
    return counts


def _denied_object(request, response) -> str | None:
    """ "app.Model#pk" when the refused request named an existing row: an admin page with an object id
    outside the user's list (the admin answers those with a redirect), or a page of `OBJECT_DOORS`
    answering 403/404. None when no existing row was named."""
    from django.apps import apps
    from django.contrib.admin.utils import unquote
    from django.core.exceptions import ValidationError

    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    model_admin = getattr(match.func, "model_admin", None)
    if model_admin is not None:
        object_id = match.kwargs.get("object_id")
        if object_id is None:
            return None
        model, key, admin_queryset = model_admin.model, unquote(object_id), model_admin.get_queryset(request)
    else:
        target = OBJECT_DOORS.get(match.view_name)
        if target is None or response.status_code not in (403, 404):
            return None
        label, _sep, field = target.partition(":")
        model, admin_queryset = apps.get_model(label), None
        key = next(iter(match.kwargs.values()), None)
        if field:
            row = model._default_manager.filter(**{field: key}).values_list("pk", flat=True).first()
            return f"{model._meta.label}#{row}" if row is not None else None
    try:
        exists = model._default_manager.filter(pk=key).exists()
        if exists and admin_queryset is not None:
            exists = not admin_queryset.filter(pk=key).exists()
    except (ValueError, TypeError, ValidationError):
        return None
    return f"{model._meta.label}#{key}" if exists else None


def access_denied_record(request, response) -> LogEntry | None:
    """Audit a refused attempt (issue 16, item 5): a 403 anywhere, or a request naming an existing row
    outside the user's scope (404, or the admin's redirect). User, address and door come from the
    request's `audit_context`; the path is kept without its query string, an ID number in it masked.
    At most `DENIED_PER_MINUTE` entries per user and minute, so a probe cannot flood the log."""
    import logging

    status = response.status_code
    target = _denied_object(request, response)
    if status != 403 and target is None:
        return None
    user = request.user
    recent = LogEntry.objects.filter(
        actor_id=user.pk,
        action=LogEntry.Action.ACCESS,
        timestamp__gte=timezone.now() - timedelta(minutes=1),
        additional_data__event="access_denied",
    )
    if recent.count() >= DENIED_PER_MINUTE:
        logging.getLogger("wanzhou_jobs.audit").warning(
            "access denied not recorded (over %s a minute): user %s", DENIED_PER_MINUTE, user.pk
        )
        return None
    path = "/".join(mask_value(part) if _ID_RE.match(part) else part for part in request.path.split("/"))
    detail = {"path": path[:300], "status": status, "method": request.method}
    if target:
        detail["object"] = target
    return audit_event("access_denied", actor=user, detail=detail)


class AuditMiddleware:
    """Requests are attributed to the logged-in user and their address; the door follows the path. A
    refused attempt of a signed-in user is recorded (`access_denied_record`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from wanzhou_jobs.security import client_ip

        path = request.path
        if path.startswith("/api/"):
            door = DOOR_API
        elif path.startswith("/" + settings.ADMIN_URL.strip("/") + "/"):
            door = DOOR_ADMIN
        else:
            door = DOOR_FORM
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        with audit_context(door=door, actor=user if signed_in else None, remote_addr=client_ip(request)):
            response = self.get_response(request)
            if signed_in and response.status_code in (302, 403, 404):
                access_denied_record(request, response)
        return response


# --- Reading the log (bureau and admin users only) ------------------------------------------------------


def audit_entries(
    *, person: str = "", username: str = "", township=None, event: str = "", date_from=None, date_to=None
):
    """Entries matching the search, newest first. `event`: a key of EVENT_LABELS (e.g. "access_denied"). `person`: an ID number (exact, after normalisation) or a
    name; the entries of that person's own row and of their employments are both found."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from workers.models import Worker
    from workers.names import normalise_name
    from workers.validators import normalise_id_number

    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id")
    person = (person or "").strip()
    if person:
        try:
            id_number = normalise_id_number(person)
        except Exception:  # noqa: BLE001 - not an ID number: search by name
            id_number = None
        if not id_number:
            person = normalise_name(person)  # as stored: `买买提・艾力` finds `买买提·艾力`
        workers = (
            Worker.objects.filter(id_number=id_number) if id_number else Worker.objects.filter(name=person)
        )
        ids = list(workers.values_list("pk", flat=True)[:500])
        worker_type = ContentType.objects.get_for_model(Worker)
        match = Q(additional_data__worker__in=ids) | Q(
            content_type=worker_type, object_pk__in=[str(i) for i in ids]
        )
        if not id_number:
            match |= Q(content_type=worker_type, object_repr__startswith=f"{person}（")
        entries = entries.filter(match)
    if username:
        user_ids = get_user_model().objects.filter(username=username.strip()).values_list("pk", flat=True)
        entries = entries.filter(actor_id__in=list(user_ids))
    if township is not None:
        entries = entries.filter(additional_data__township=township.pk)
    if event:
        entries = entries.filter(action=LogEntry.Action.ACCESS, additional_data__event=event)
    if date_from:
        entries = entries.filter(timestamp__date__gte=date_from)
    if date_to:
        entries = entries.filter(timestamp__date__lte=date_to)
    return entries


def entry_summary(entry: LogEntry) -> dict:
    """What the log page shows of one entry: action, door, event and the (already masked) field changes."""
    data = entry.additional_data or {}
    action = {
        LogEntry.Action.CREATE: "新增",
        LogEntry.Action.UPDATE: "修改",
        LogEntry.Action.DELETE: "删除",
        LogEntry.Action.ACCESS: EVENT_LABELS.get(data.get("event"), "访问"),
    }.get(entry.action, str(entry.action))
    changes = []
    model = entry.content_type.model_class() if entry.content_type_id else None
    for field, values in (entry.changes_dict or {}).items():
        label = field
        if model is not None:
            from django.core.exceptions import FieldDoesNotExist

            with suppress(FieldDoesNotExist):  # a field removed since keeps its name
                model_field = model._meta.get_field(field)
                label = str(getattr(model_field, "verbose_name", field))
        if isinstance(values, list) and len(values) == 2:
            changes.append({"field": label, "old": values[0], "new": values[1]})
    return {
        "action": action,
        "door": DOOR_LABELS.get(data.get("door"), data.get("door") or ""),
        "batch": data.get("batch"),
        "detail": data.get("detail"),
        "changes": changes,
    }
