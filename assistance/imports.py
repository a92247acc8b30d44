"""Import of training participants and "1131" service records from .xlsx (issue 9 item 8).

The principles of the quarterly return (DESIGN.md §5): the file is read by `wanzhou_jobs.spreadsheets`
(bounded, no formulas, header found in the first rows, columns by name); every row is checked first and
every error is reported by row and column; if any row has an error nothing is written; otherwise every row
is written through the same service as the forms, in one transaction. Re-importing the same file creates
nothing new (natural keys: course + person; person + kind + date + employer + post). A clerk can only
import people of their own township; a person outside it reads exactly like one not in the ledger.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from targets.audit import audit_event_on_commit
from targets.scoping import scope_for, scope_queryset
from wanzhou_jobs.spreadsheets import SpreadsheetError, clean_text, parse_date, parse_yes_no, read_rows
from workers.models import Worker
from workers.services import normalise_name
from workers.validators import normalise_id_number

from . import services
from .models import Course, Enrolment, Participation, ServiceKind, ServiceRecord

MAX_ROWS = 5_000

H_NAME, H_ID = "姓名", "公民身份号码"
H_COMPLETED, H_CERTIFICATE = "是否结业", "证书"
H_KIND, H_DATE, H_BY, H_EMPLOYER, H_POST, H_NOTE = (
    "服务类型",
    "服务日期",
    "服务人员",
    "推送单位",
    "推送岗位",
    "备注",
)
PARTICIPANT_HEADERS = [H_NAME, H_ID, H_COMPLETED, H_CERTIFICATE]
SERVICE_HEADERS = [H_NAME, H_ID, H_KIND, H_DATE, H_BY, H_EMPLOYER, H_POST, H_NOTE]

PERSON_NOT_FOUND = _("台账中没有此公民身份号码的人员，或此人不属于您可以办理的镇乡街道。")
NAME_DIFFERS = _("台账中此公民身份号码的姓名为“{name}”，与填写的不一致。")
SAME_PERSON_TWICE = _("与第 {other} 行是同一人，同一培训班只能出现一次。")
SAME_SERVICE_TWICE = _("与第 {other} 行是同一条服务记录。")
KIND_UNKNOWN = _("服务类型“{value}”无法识别，请填写政策宣介、职业指导、岗位推送或就业培训推荐。")
EMPTY = _("文件中没有数据行。")
READ_ONLY = _("您的账号为只读账号，不能导入数据。")

_KIND_BY_LABEL = {str(label): value for value, label in ServiceKind.choices} | {
    "政策宣传": ServiceKind.POLICY,
    "培训推荐": ServiceKind.TRAINING_REFERRAL,
}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    file_name: str
    dry_run: bool
    rows_total: int = 0
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        prefix = _g("校验通过（未写入）") if self.dry_run else _g("导入完成")
        return _g("{prefix}：共 {n} 行，新增 {new}，未变化 {unchanged}，更新 {updated}。").format(
            prefix=prefix, n=self.rows_total, new=self.new, unchanged=self.unchanged, updated=self.updated
        )


def _read(result: ImportResult, file_obj, required, optional):
    try:
        sheet = read_rows(file_obj, required=required, optional=optional, max_rows=MAX_ROWS)
    except SpreadsheetError as exc:
        result.errors.append(RowError(0, "", "；".join(exc.messages)))
        return []
    result.rows_total = len(sheet.rows)
    if not sheet.rows:
        result.errors.append(RowError(0, "", str(EMPTY)))
    return sheet.rows


def _people(result: ImportResult, rows, *, acting_user) -> dict[int, Worker]:
    """Row number → the worker of the row, for rows whose person is in the user's writable scope."""
    parsed: dict[int, tuple[str, str]] = {}
    for row in rows:
        name = normalise_name(row.values.get(H_NAME))
        try:
            id_number = normalise_id_number(clean_text(row.values.get(H_ID)))
        except ValidationError as exc:
            result.errors.append(RowError(row.number, H_ID, "；".join(exc.messages)))
            continue
        parsed[row.number] = (id_number, name)
    ids = {id_number for id_number, _name in parsed.values()}
    writable = scope_queryset(Worker.objects.select_related("township"), acting_user, write=True)
    by_id = {w.id_number: w for w in writable.filter(id_number__in=ids)}
    people = {}
    for number, (id_number, name) in parsed.items():
        worker = by_id.get(id_number)
        if worker is None:
            result.errors.append(RowError(number, H_ID, str(PERSON_NOT_FOUND)))
        elif name != worker.name:
            result.errors.append(RowError(number, H_NAME, str(NAME_DIFFERS.format(name=worker.name))))
        else:
            people[number] = worker
    return people


def _ensure_writer(acting_user) -> None:
    if not scope_for(acting_user).can_write:
        raise PermissionDenied(READ_ONLY)


def _audit(acting_user, what: str, result: ImportResult) -> None:
    if result.dry_run or not result.ok:
        return
    audit_event_on_commit(
        "assistance_import",
        actor=acting_user,
        detail={"what": what, "file": result.file_name[:100], "new": result.new, "updated": result.updated},
    )


class _Rollback(Exception):
    pass


def participants_import(
    *, acting_user, file_obj, file_name: str, course: Course, dry_run: bool = False
) -> ImportResult:
    """Participants of one course: 姓名, 公民身份号码 (required), 是否结业, 证书."""
    _ensure_writer(acting_user)
    services.ensure_course_visible(acting_user, course)
    result = ImportResult(file_name=file_name, dry_run=dry_run)
    rows = _read(result, file_obj, [H_NAME, H_ID], [H_COMPLETED, H_CERTIFICATE])
    people = _people(result, rows, acting_user=acting_user)
    existing = {
        p.worker_id: p for p in Participation.objects.filter(course=course, worker__in=people.values())
    }
    seen: dict[int, int] = {}
    plan = []
    for row in rows:
        try:
            completed = parse_yes_no(row.values.get(H_COMPLETED))
        except SpreadsheetError as exc:
            result.errors.append(RowError(row.number, H_COMPLETED, "；".join(exc.messages)))
            continue
        certificate = clean_text(row.values.get(H_CERTIFICATE))[:100]
        worker = people.get(row.number)
        if worker is None:
            continue
        if worker.pk in seen:
            result.errors.append(
                RowError(row.number, H_ID, str(SAME_PERSON_TWICE.format(other=seen[worker.pk])))
            )
            continue
        seen[worker.pk] = row.number
        try:
            services.training._participation_check(course, completed, certificate)
        except ValidationError as exc:
            column = H_CERTIFICATE if "certificate" in exc.message_dict else H_COMPLETED
            result.errors.append(RowError(row.number, column, "；".join(exc.messages)))
            continue
        plan.append((worker, completed, certificate, existing.get(worker.pk)))
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    try:
        with transaction.atomic():
            for worker, completed, certificate, current in plan:
                if current is None:
                    services.participant_add(
                        acting_user=acting_user,
                        course=course,
                        worker=worker,
                        completed=completed,
                        certificate=certificate,
                    )
                    result.new += 1
                elif (current.completed, current.certificate) == (completed, certificate):
                    result.unchanged += 1
                else:
                    services.participant_update(
                        acting_user=acting_user,
                        participation=current,
                        completed=completed,
                        certificate=certificate,
                    )
                    result.updated += 1
            _audit(acting_user, "participants", result)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result


def services_import(*, acting_user, file_obj, file_name: str, dry_run: bool = False) -> ImportResult:
    """ "1131" service records: 姓名, 公民身份号码, 服务类型, 服务日期, 服务人员 (required), 推送单位, 推送岗位, 备注."""
    _ensure_writer(acting_user)
    result = ImportResult(file_name=file_name, dry_run=dry_run)
    rows = _read(result, file_obj, [H_NAME, H_ID, H_KIND, H_DATE, H_BY], [H_EMPLOYER, H_POST, H_NOTE])
    people = _people(result, rows, acting_user=acting_user)
    periods = defaultdict(list)
    for enrolment in Enrolment.objects.filter(worker__in=people.values()):
        periods[enrolment.worker_id].append((enrolment.entry_date, enrolment.exit_date))
    keys_in_db = set(
        ServiceRecord.objects.filter(worker__in=people.values()).values_list(
            "worker_id", "kind", "date", "employer_name", "post_name"
        )
    )
    seen: dict[tuple, int] = {}
    plan = []
    for row in rows:
        v = row.values
        kind = _KIND_BY_LABEL.get(clean_text(v.get(H_KIND)))
        if kind is None:
            result.errors.append(
                RowError(row.number, H_KIND, str(KIND_UNKNOWN.format(value=clean_text(v.get(H_KIND))[:20])))
            )
        try:
            day = parse_date(v.get(H_DATE))
        except SpreadsheetError as exc:
            result.errors.append(RowError(row.number, H_DATE, "；".join(exc.messages)))
            day = None
        worker = people.get(row.number)
        if worker is None or kind is None or day is None:
            continue
        texts = {
            "provided_by": clean_text(v.get(H_BY)),
            "employer_name": clean_text(v.get(H_EMPLOYER)),
            "post_name": clean_text(v.get(H_POST)),
        }
        errors = _service_row_errors(worker, kind, day, texts, periods[worker.pk])
        if errors:
            result.errors.extend(RowError(row.number, column, message) for column, message in errors)
            continue
        if kind != ServiceKind.JOB_PUSH:
            texts["employer_name"] = texts["post_name"] = ""
        key = (worker.pk, kind, day, texts["employer_name"], texts["post_name"])
        if key in seen:
            result.errors.append(RowError(row.number, H_ID, str(SAME_SERVICE_TWICE.format(other=seen[key]))))
            continue
        seen[key] = row.number
        if key in keys_in_db:
            result.unchanged += 1
            continue
        plan.append((worker, kind, day, texts, clean_text(v.get(H_NOTE))[:200]))
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        result.unchanged = 0
        return result
    try:
        with transaction.atomic():
            for worker, kind, day, texts, note in plan:
                services.service_record(
                    acting_user=acting_user, worker=worker, kind=kind, date=day, note=note, **texts
                )
                result.new += 1
            _audit(acting_user, "services_1131", result)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result


_COLUMN = {
    "kind": H_KIND,
    "date": H_DATE,
    "provided_by": H_BY,
    "employer_name": H_EMPLOYER,
    "post_name": H_POST,
}


def _service_row_errors(worker, kind, day, texts, periods) -> list[tuple[str, str]]:
    """The checks of `services.service_check` without a query per row (enrolments are preloaded)."""
    enrolled = any(entry <= day and (exit_ is None or exit_ >= day) for entry, exit_ in periods)
    try:
        services.service_check(worker=worker, kind=kind, date=day, enrolled=enrolled, **texts)
    except ValidationError as exc:
        return [(_COLUMN.get(f, ""), m) for f, messages in exc.message_dict.items() for m in messages]
    return []
