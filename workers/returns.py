"""The quarterly-return pipeline (季度报表, DESIGN.md §5): the service every door calls — web page, admin,
`import_return` command and Celery task.

upload → validate (a dry run: every row parsed and checked, all errors collected) → import (validate again
and write, all or nothing, in one transaction). The rules are the ledger's own: the same normalisation and
validators, `employment_check` (date window, age, end date, income, workplace), the locked-quarter rule,
township scoping and the same-ID-different-name refusal. Only the writing is done in bulk — a handful of
queries per file instead of several per row — so 50,000 rows import in seconds.
"""

import hashlib
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets import audit
from targets.models import QuarterLock, Role, Township
from targets.scoping import ensure_township_writable, scope_for
from targets.services import QUARTER_LOCKED, progress_mark_dirty, quarter_of
from wanzhou_jobs.bulk import StartedInsert, bulk_insert, filter_in
from wanzhou_jobs.spreadsheets import SpreadsheetError, read_rows

from . import resources as R
from .models import (
    CATEGORY_FIELDS,
    Employer,
    Employment,
    EmploymentForm,
    ImportBatch,
    Source,
    Tombstone,
    Worker,
)
from .services import (
    EMPLOYER_CREDIT_CODE_CONFLICT,
    EMPLOYER_NAME_CODE_CONFLICT,
    ID_NUMBER_OTHER_NAME,
    ID_NUMBER_OTHER_TOWNSHIP,
    EmploymentData,
    employment_check,
    normalise_name,
)
from .validators import id_number_info

logger = logging.getLogger(__name__)

MAX_ROWS = 100_000
_NO_BIRTH_DATE = date(1900, 1, 1)
_CATEGORY_FIELD = {
    str(category): field for category, field in CATEGORY_FIELDS.items()
}  # plain-str keys: fast
ASYNC_THRESHOLD = 2_000

NOT_YOUR_TOWNSHIP = _("此人户籍在{township}，您只能导入本镇乡街道（{own}）的人员。")
TOWNSHIP_MISMATCH = _(
    "台账中此人户籍所在镇乡街道为{township}，与填写的不一致；如户籍已迁移请联系区人力社保局。"
)
SAME_ID_TWO_NAMES = _("同一公民身份号码在第 {other} 行填写的姓名为“{name}”，与本行不一致。")
PERSON_VALUE_DIFFERS = _(
    "第 {row} 行与第 {other} 行是同一人，但{header}不同；台账采用第 {other} 行的“{value}”。"
)
EMPLOYER_TWO_CODES = _("同一单位在第 {other} 行填写的统一社会信用代码为 {code}，与本行不一致。")
CODE_TWO_EMPLOYERS = _("同一统一社会信用代码在第 {other} 行对应另一个单位名称，请核对。")
SAME_KEY_DIFFERENT = _("与第 {other} 行是同一人、同一就业时间、同一单位，但其他内容不同，请合并为一行。")
DUPLICATE_MERGED = _("第 {row} 行与第 {other} 行完全相同，已合并为一条。")
OUTSIDE_QUARTER = _("第 {row} 行就业时间 {date} 不在申报的 {year} 年第 {quarter} 季度内（仍会导入）。")
EMPTY_FILE = _("文件中没有数据行：请在表头下方逐行填写，每行一条就业记录。")
BATCH_NOT_YOURS = _("该导入批次不是您上传的，不能确认。")
BATCH_WRONG_STATE = _("该批次当前状态为“{status}”，不能执行此操作。")
ROLLBACK_LOCKED = _("该批次包含已锁定季度（{quarters}）的记录，不能撤销；请先由区人力社保局解锁。")
ROLLBACK_REASON = _("撤销导入批次必须填写原因。")
ONLY_BUREAU_ROLLBACK = _("只有区人力社保局工作人员可以撤销导入批次。")
FILE_GONE = _("上传的文件已过期被删除，请重新上传。")
CONCURRENT_CHANGE = _(
    "导入期间，文件中的部分人员或就业记录被其他用户同时登记，重新核对后仍未能写入；本次未写入任何数据，请稍后重新导入。"
)


@dataclass
class RowIssue:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class Plan:
    """What importing a file would do: the rows to write and everything wrong with it."""

    rows_total: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new_workers: dict = field(default_factory=dict)  # id_number → parsed values
    worker_updates: dict = field(default_factory=dict)  # worker pk → {field: value}
    new_jobs: list = field(default_factory=list)  # (id_number, EmploymentData, employer key)
    changed_jobs: list = field(default_factory=list)  # (known job as a named tuple, EmploymentData)
    employer_codes: dict = field(default_factory=dict)  # employer key → credit code to record
    known_workers: dict = field(default_factory=dict)  # id_number → pk of people already in the ledger
    id_infos: dict = field(default_factory=dict)  # id_number → IdNumberInfo (sex, birth date) of new people
    workers_written: set | None = None  # ID numbers of the new people already inserted (see _check_rows)
    person_updates: int = 0  # rows whose job is unchanged but whose person's record changes
    unchanged: int = 0
    rejected_rows: set = field(default_factory=set)
    sample: list = field(default_factory=list)
    candidates: list = field(default_factory=list)  # (row, id_number, EmploymentData, employer key) to plan

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Upload --------------------------------------------------------------------------------------------


def _storage_dir() -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "returns"
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def return_upload(
    *, acting_user, file_obj, file_name: str, township: Township | None = None, year=None, quarter=None
) -> ImportBatch:
    """Store an uploaded file under a random name outside the web root and open a batch for it."""
    scope = scope_for(acting_user)
    if not scope.can_write:
        raise PermissionDenied(str(_("您的账号为只读账号，不能导入数据。")))
    if scope.role != Role.BUREAU and len(scope.township_ids) == 1:
        township = Township.objects.get(pk=next(iter(scope.township_ids)))
    if township is not None:
        ensure_township_writable(acting_user, township)
    digest = hashlib.sha256()
    path = _storage_dir() / f"{secrets.token_hex(16)}.xlsx"
    size = 0
    with path.open("wb") as out:
        for chunk in (
            file_obj.chunks() if hasattr(file_obj, "chunks") else iter(lambda: file_obj.read(65536), b"")
        ):
            size += len(chunk)
            if size > settings.UPLOAD_MAX_BYTES:
                out.close()
                path.unlink(missing_ok=True)
                raise ValidationError(
                    _("文件超过 {mb} MB 的上限，请拆分后上传。").format(
                        mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024)
                    )
                )
            digest.update(chunk)
            out.write(chunk)
    return ImportBatch.objects.create(
        township=township,
        year=year,
        quarter=quarter,
        file_name=Path(str(file_name)).name[:255],
        file_sha256=digest.hexdigest(),
        file_size=size,
        stored_path=str(path),
        uploaded_by=acting_user,
    )


# --- Validation ----------------------------------------------------------------------------------------


def return_plan(*, acting_user, path, batch: ImportBatch | None = None, progress=None) -> Plan:
    """Read and check a whole file; returns the plan without writing anything."""
    plan, parsed = _parse_file(path, progress)
    if parsed:
        _check_rows(plan, parsed, acting_user=acting_user, batch=batch)
    _report_row_errors(plan, parsed)
    return plan


def _parse_file(path, progress=None) -> tuple[Plan, list]:
    """Read the file and parse every cell: the plan so far (file-level errors, warnings) and the rows."""
    plan = Plan()
    try:
        # read_rows bounds the file (size, zip ratios, rows, columns, formulas) before any XML is parsed.
        sheet = read_rows(path, required=R.REQUIRED, optional=R.OPTIONAL, max_rows=MAX_ROWS)
    except SpreadsheetError as exc:
        plan.errors.append(RowIssue(0, "", "", "；".join(exc.messages)))
        return plan, []
    plan.warnings.extend(str(w) for w in sheet.warnings)
    plan.rows_total = len(sheet.rows)
    if not sheet.rows:
        plan.errors.append(RowIssue(0, "", "", str(EMPTY_FILE)))
        return plan, []

    lookups = R.Lookups()
    parsed = []
    for index, row in enumerate(sheet.rows, start=1):
        parsed.append(R.parse_row(row.number, row.values, lookups))
        if progress and index % 5000 == 0:
            progress(index // 2)
    return plan, parsed


def _report_row_errors(plan: Plan, parsed: list) -> None:
    for row in parsed:
        for header, message in row.errors:
            plan.errors.append(RowIssue(row.number, header, R.clean_text(row.raw.get(header))[:60], message))
            plan.rejected_rows.add(row.number)
    plan.errors.sort(
        key=lambda e: (e.row, R.ALL_HEADERS.index(e.column) if e.column in R.ALL_HEADERS else 99)
    )


def _check_rows(
    plan: Plan, parsed: list, *, acting_user, batch: ImportBatch | None, write_early: bool = False
) -> None:
    """Every rule that needs more than one cell: scoping, the ledger, the rest of the file, employers.

    With `write_early` (an import, inside its transaction) and no cell in error, the file's new people
    are inserted while the rows are checked: if the file is accepted they are exactly the people it adds
    (every row is valid), and if it is refused the transaction rolls them back with everything else. The
    database inserts and checks them meanwhile, so an import costs less than check-then-write."""
    scope = scope_for(acting_user)
    today = timezone.localdate()
    own = None
    if not scope.all_townships and len(scope.township_ids) == 1:
        own = Township.objects.get(pk=next(iter(scope.township_ids)))

    ids = {row.values["id_number"] for row in parsed if row.values.get("id_number")}
    # Plain tuples, not model instances: a re-uploaded return matches tens of thousands of known people.
    known = Worker.objects.values_list(*_KNOWN_WORKER_FIELDS, named=True)
    existing = {w.id_number: w for w in filter_in(known, "id_number", ids)}
    plan.known_workers = {id_number: worker.pk for id_number, worker in existing.items()}
    keys = {row.values["employer_key"] for row in parsed if row.values["employer_key"]}
    codes = {row.values["credit_code"] for row in parsed if row.values.get("credit_code")}
    employers_by_key = {e.name_key: e for e in filter_in(Employer.objects.all(), "name_key", keys)}
    employers_by_code = {e.credit_code: e for e in filter_in(Employer.objects.all(), "credit_code", codes)}
    # Everything the checks read from the ledger is read before the new people are inserted (below):
    # from then on the connection is busy with that insert until `wait()`.
    locks = {(lock.year, lock.quarter) for lock in QuarterLock.objects.all()}
    jobs = Employment.objects.values_list(*_KNOWN_JOB_FIELDS, named=True)
    current = {
        (job.worker_id, job.start_date, job.employer_key): job
        for job in filter_in(jobs, "worker_id", [worker.pk for worker in existing.values()])
    }
    started = None
    merged = None
    if write_early and batch is not None and not any(row.errors for row in parsed):
        merged = _merge_people(parsed)
        new = {id_number: entry for id_number, entry in merged.items() if id_number not in existing}
        for id_number in new:
            plan.id_infos[id_number] = id_number_info(id_number)
        creator_id = acting_user.pk if getattr(acting_user, "pk", None) else None
        started = StartedInsert(Worker, _WORKER_COLUMNS, _worker_rows(new, plan.id_infos, batch, creator_id))
        plan.workers_written = set(new)
    try:
        _check_each_row(plan, parsed, existing, employers_by_key, employers_by_code, scope, own, today, batch)
        valid_rows = [row for row in parsed if not row.errors and row.values.get("id_number")]
        changed_people = _plan_workers(
            plan, valid_rows, existing, merged if len(valid_rows) == len(parsed) else None
        )
        _plan_employer_codes(plan, valid_rows, employers_by_key)
        candidates = [c for c in plan.candidates if not c[0].errors]
        _plan_jobs(plan, candidates, existing, changed_people, locks=locks, current=current)
    finally:
        if started is not None:
            started.wait()  # before the next query; a database error (a person inserted meanwhile) is raised


def _check_each_row(
    plan: Plan, parsed, existing, employers_by_key, employers_by_code, scope, own, today, batch
):
    first_name: dict[str, tuple[int, str]] = {}
    first_attr: dict[tuple[str, str], tuple[int, str]] = {}
    code_of_key: dict[str, tuple[int, str]] = {}
    key_of_code: dict[str, tuple[int, str]] = {}
    seen_keys: dict[tuple, tuple[int, tuple]] = {}
    candidates = plan.candidates
    for row in parsed:
        v = row.values
        id_number, township, start = v.get("id_number"), v.get("township"), v.get("start_date")
        if township is not None:
            if own is not None and township.pk != own.pk:
                row.error(R.H_TOWNSHIP, NOT_YOUR_TOWNSHIP.format(township=township.name, own=own.name))
            elif not scope.sees_township(township.pk) or not scope.can_write:
                row.error(R.H_TOWNSHIP, NOT_YOUR_TOWNSHIP.format(township=township.name, own="—"))
        if id_number and v.get("name"):
            _check_person(row, existing.get(id_number), scope=scope, own=own, first_name=first_name)
            for header, key in ((R.H_PHONE, "phone"), (R.H_VILLAGE, "village")):
                # One person, one phone and one village per file (the first given), so re-uploads are stable.
                if v[key]:
                    other = first_attr.setdefault((id_number, key), (row.number, v[key]))
                    if other[1] != v[key]:
                        message = PERSON_VALUE_DIFFERS.format(
                            row=row.number, other=other[0], header=header, value=other[1]
                        )
                        plan.warnings.append(str(message))
        if v.get("employer_name"):
            _check_employer(row, employers_by_key, employers_by_code, code_of_key, key_of_code)
        if start is None:
            continue
        if (
            batch is not None
            and batch.year
            and batch.quarter
            and quarter_of(start) != (batch.year, batch.quarter)
        ):
            plan.warnings.append(
                str(
                    OUTSIDE_QUARTER.format(
                        row=row.number, date=start.isoformat(), year=batch.year, quarter=batch.quarter
                    )
                )
            )
        data = EmploymentData(
            employer_name=v["employer_name"],
            credit_code=v["credit_code"],
            industry=v["industry"],
            workplace=v["workplace"],
            workplace_township=v["workplace_township"],
            form=v["form"] or EmploymentForm.UNIT,  # an unknown form is already reported by the parser
            start_date=start,
            returnee=v["returnee"],
            channel=v["channel"],
            monthly_income=v["monthly_income"],
        )
        if id_number in existing:
            birth = existing[id_number].birth_date
        else:
            # Without a valid ID number the age rule waits; the date window is still checked.
            if id_number:
                info = plan.id_infos.get(id_number)
                if info is None:
                    info = plan.id_infos[id_number] = id_number_info(id_number)
                birth = info.birth_date
            else:
                birth = _NO_BIRTH_DATE
        try:
            employment_check(worker_birth_date=birth, data=data, today=today)
        except ValidationError as exc:
            reported = {message for _header, message in row.errors}
            for field_name, messages in exc.message_dict.items():
                for message in messages:
                    if message not in reported:
                        row.error(_FIELD_HEADERS.get(field_name, R.H_START), message)
        if row.errors or not id_number:
            continue
        key = (id_number, start, v["employer_key"])
        signature = _signature(data, v)
        if key in seen_keys:
            other_row, other_signature = seen_keys[key]
            if other_signature == signature:
                plan.warnings.append(str(DUPLICATE_MERGED.format(row=row.number, other=other_row)))
            else:
                row.error(R.H_EMPLOYER, SAME_KEY_DIFFERENT.format(other=other_row))
            continue
        seen_keys[key] = (row.number, signature)
        candidates.append((row, id_number, data, key[2]))


_KNOWN_WORKER_FIELDS = (
    "pk",
    "id_number",
    "name",
    "township_id",
    "township__name",
    "birth_date",
    "phone",
    "village",
    *CATEGORY_FIELDS.values(),
)
_KNOWN_JOB_FIELDS = (
    "pk",
    "worker_id",
    "start_date",
    "employer_key",
    "industry_id",
    "workplace",
    "workplace_township_id",
    "form",
    "returnee",
    "channel",
    "monthly_income",
)


def _check_person(row, worker, *, scope, own, first_name: dict) -> None:
    v = row.values
    id_number, name, township = v["id_number"], v["name"], v.get("township")
    other_row, other_name = first_name.setdefault(id_number, (row.number, name))
    if other_name != name:
        row.error(R.H_NAME, SAME_ID_TWO_NAMES.format(other=other_row, name=other_name))
    if worker is None:
        return
    if own is not None and worker.township_id != own.pk:
        row.error(R.H_ID, ID_NUMBER_OTHER_TOWNSHIP.format(township=worker.township__name))
    elif normalise_name(worker.name) != name:
        if scope.sees_township(worker.township_id):
            row.error(R.H_NAME, ID_NUMBER_OTHER_NAME.format(name=worker.name))
        else:
            row.error(R.H_ID, ID_NUMBER_OTHER_TOWNSHIP.format(township=worker.township__name))
    elif township is not None and worker.township_id != township.pk:
        row.error(R.H_TOWNSHIP, TOWNSHIP_MISMATCH.format(township=worker.township__name))


def _check_employer(row, by_key: dict, by_code: dict, code_of_key: dict, key_of_code: dict) -> None:
    """The same rules as `employer_resolve`: a credit code belongs to one employer name, and a known
    employer keeps its code; within the file, one name has one code and one code one name."""
    v = row.values
    key, code = v["employer_key"], v.get("credit_code")
    if not code:
        return
    owner = by_code.get(code)
    if owner is not None and owner.name_key != key:
        row.error(R.H_CREDIT, EMPLOYER_CREDIT_CODE_CONFLICT.format(code=code, name=owner.name))
        return
    known = by_key.get(key)
    if known is not None and known.credit_code and known.credit_code != code:
        row.error(
            R.H_CREDIT,
            EMPLOYER_NAME_CODE_CONFLICT.format(name=known.name, existing=known.credit_code, code=code),
        )
        return
    other_row, other_code = code_of_key.setdefault(key, (row.number, code))
    if other_code != code:
        row.error(R.H_CREDIT, EMPLOYER_TWO_CODES.format(other=other_row, code=other_code))
    other_row, other_key = key_of_code.setdefault(code, (row.number, key))
    if other_key != key:
        row.error(R.H_CREDIT, CODE_TWO_EMPLOYERS.format(other=other_row))


_FIELD_HEADERS = {
    "start_date": R.H_START,
    "end_date": R.H_START,
    "monthly_income": R.H_INCOME,
    "workplace_township": R.H_WORKPLACE,
    "form": R.H_FORM,
    "employer": R.H_EMPLOYER,
    "credit_code": R.H_CREDIT,
}


def _signature(data: EmploymentData, values: dict) -> tuple:
    return (
        data.industry.pk,
        data.workplace,
        data.workplace_township.pk if data.workplace_township else None,
        data.form,
        data.returnee,
        data.channel,
        data.monthly_income,
        data.credit_code,
        values.get("phone"),
        values.get("village"),
        tuple(sorted(values.get("categories") or ())),
    )


def _merge_people(rows: list) -> dict[str, dict]:
    """Each person of the rows once: name and township of their first row, the first phone and village
    given, every category given."""
    merged: dict[str, dict] = {}
    for row in rows:
        v = row.values
        entry = merged.setdefault(
            v["id_number"],
            {"name": v["name"], "township": v["township"], "phone": "", "village": "", "flags": {}},
        )
        entry["phone"] = entry["phone"] or v["phone"]
        entry["village"] = entry["village"] or v["village"]
        entry["flags"].update({_CATEGORY_FIELD[c]: True for c in v["categories"]})
    return merged


def _plan_workers(plan: Plan, rows: list, existing: dict, merged: dict | None = None) -> set[str]:
    """New people, and what the file adds to known people (a phone or village filled in, a category
    newly recorded; never removed). Returns the ID numbers of known people whose record changes."""
    if merged is None:
        merged = _merge_people(rows)
    changed = set()
    for id_number, entry in merged.items():
        worker = existing.get(id_number)
        if worker is None:
            plan.new_workers[id_number] = entry
            continue
        changes = {}
        if entry["phone"] and entry["phone"] != worker.phone:
            changes["phone"] = entry["phone"]
        if entry["village"] and entry["village"] != worker.village:
            changes["village"] = entry["village"]
        changes.update({flag: True for flag in entry["flags"] if not getattr(worker, flag)})
        if changes:
            plan.worker_updates[worker.pk] = changes
            changed.add(id_number)
    return changed


def _plan_employer_codes(plan: Plan, rows: list, by_key: dict) -> None:
    """Credit codes the file gives for employers that have none yet (an employer fact, not a job change)."""
    for row in rows:
        code = row.values.get("credit_code")
        key = row.values["employer_key"]
        known = by_key.get(key)
        if code and (known is None or not known.credit_code):
            plan.employer_codes.setdefault(key, code)


def _plan_jobs(
    plan: Plan, candidates: list, existing: dict, changed_people: set[str], *, locks: set, current: dict
) -> None:
    """New and changed jobs; `locks` are the locked (year, quarter)s, `current` the known jobs of the
    file's known people by natural key. No query: it runs while the new people are being inserted."""
    person_counted: set[str] = set()
    for row, id_number, data, key in candidates:
        worker = existing.get(id_number)
        job = current.get((worker.pk, data.start_date, key)) if worker else None
        changes_job = job is None or _job_differs(job, data)
        year, quarter = quarter_of(data.start_date)
        if changes_job and (year, quarter) in locks:
            # Adding or changing a job of a locked quarter is refused; repeating it unchanged is not.
            row.error(R.H_START, QUARTER_LOCKED.format(year=year, quarter=quarter))
            continue
        if job is None:
            plan.new_jobs.append((id_number, data, key))
        elif changes_job:
            plan.changed_jobs.append((job, data))
        elif id_number in changed_people and id_number not in person_counted:
            plan.person_updates += 1  # the person's record changes; counted once, on their first row
        else:
            plan.unchanged += 1
        if id_number in changed_people:
            person_counted.add(id_number)


def _job_differs(job, data: EmploymentData) -> bool:
    return (
        job.industry_id != data.industry.pk
        or job.workplace != data.workplace
        or job.workplace_township_id != (data.workplace_township.pk if data.workplace_township else None)
        or job.form != data.form
        or job.returnee != data.returnee
        or job.channel != (data.channel or "")
        or job.monthly_income != data.monthly_income
    )


# --- Writing -------------------------------------------------------------------------------------------


@transaction.atomic
def _write(plan: Plan, *, acting_user, batch: ImportBatch) -> None:
    """New rows go in with `bulk_insert` (COPY on PostgreSQL): no model instance per row."""
    now = timezone.now()
    creator_id = acting_user.pk if getattr(acting_user, "pk", None) else None
    if plan.workers_written is None:
        bulk_insert(Worker, _WORKER_COLUMNS, _worker_rows(plan.new_workers, plan.id_infos, batch, creator_id))
    elif plan.workers_written != set(plan.new_workers):
        # Cannot happen for an accepted file: every row is valid, so the early merge is the plan's.
        raise RuntimeError("the people inserted early are not the people the file adds")
    touched_worker_ids = set()  # existing workers whose jobs change: their updated_at moves for API sync
    _update_workers(plan.worker_updates, now)

    employers = _resolve_employers(plan)
    worker_ids = dict(plan.known_workers)
    if plan.new_workers:
        worker_ids.update(Worker.objects.filter(import_batch_id=batch.pk).values_list("id_number", "pk"))
    new_jobs = []
    years = set()
    for id_number, data, key in plan.new_jobs:
        new_jobs.append(
            (
                worker_ids[id_number],
                employers[key].pk,
                key,
                data.industry.pk,
                data.workplace,
                data.workplace_township.pk if data.workplace_township else None,
                data.form,
                data.start_date,
                data.returnee,
                data.channel or "",
                data.monthly_income,
                Source.IMPORT.value,
                batch.pk,
                creator_id,
            )
        )
        years.add(data.start_date.year)
        if id_number not in plan.new_workers:
            touched_worker_ids.add(worker_ids[id_number])
    bulk_insert(Employment, _JOB_COLUMNS, new_jobs)
    changed = []
    instances = Employment.objects.in_bulk([job.pk for job, _data in plan.changed_jobs])
    for known_job, data in plan.changed_jobs:
        job = instances[known_job.pk]
        job.industry, job.workplace, job.workplace_township = (
            data.industry,
            data.workplace,
            data.workplace_township,
        )
        job.form = data.form
        job.returnee, job.channel, job.monthly_income = data.returnee, data.channel or "", data.monthly_income
        job.updated_at = now
        changed.append(job)
        years.add(job.start_date.year)
        touched_worker_ids.add(job.worker_id)
    Employment.objects.bulk_update(
        changed,
        [
            "industry",
            "workplace",
            "workplace_township",
            "form",
            "returnee",
            "channel",
            "monthly_income",
            "updated_at",
        ],
        batch_size=2000,
    )
    ids = sorted(touched_worker_ids - set(plan.worker_updates))
    for start in range(0, len(ids), 2000):
        Worker.objects.filter(pk__in=ids[start : start + 2000]).update(updated_at=now)
    if years:
        progress_mark_dirty(sorted(years))


_WORKER_COLUMNS = [
    "id_number",
    "name",
    "sex",
    "birth_date",
    "phone",
    "township_id",
    "village",
    "import_batch_id",
    "created_by_id",
    *CATEGORY_FIELDS.values(),
]


def _worker_rows(entries: dict, infos: dict, batch: ImportBatch, creator_id) -> list[tuple]:
    """`_WORKER_COLUMNS` values of new people (`_merge_people` entries by ID number)."""
    flags = list(CATEGORY_FIELDS.values())
    rows = []
    for id_number, entry in entries.items():
        info = infos.get(id_number) or id_number_info(id_number)
        rows.append(
            (
                id_number,
                entry["name"],
                info.sex,
                info.birth_date,
                entry["phone"],
                entry["township"].pk,
                entry["village"],
                batch.pk,
                creator_id,
                *(flag in entry["flags"] for flag in flags),
            )
        )
    return rows


_JOB_COLUMNS = [
    "worker_id",
    "employer_id",
    "employer_key",
    "industry_id",
    "workplace",
    "workplace_township_id",
    "form",
    "start_date",
    "returnee",
    "channel",
    "monthly_income",
    "source",
    "import_batch_id",
    "created_by_id",
]


def _update_workers(updates: dict[int, dict], now) -> None:
    """What returns add to known people (phone, village, categories), in bulk."""
    pks = sorted(updates)
    fields = sorted({f for changes in updates.values() for f in changes} | {"updated_at"})
    for start in range(0, len(pks), 2000):
        workers = list(Worker.objects.filter(pk__in=pks[start : start + 2000]))
        for worker in workers:
            for key, value in updates[worker.pk].items():
                setattr(worker, key, value)
            worker.updated_at = now
        Worker.objects.bulk_update(workers, fields)
        # The API's employment records embed the worker: they must reach incremental clients again.
        Employment.objects.filter(worker_id__in=pks[start : start + 2000]).update(updated_at=now)


def _resolve_employers(plan: Plan) -> dict[str, Employer]:
    """Employers of the new jobs by normalised name, created in bulk where missing; credit codes the file
    gave for employers without one are recorded (the checks made sure no code is taken twice)."""
    names = {key: data.employer_name for _id_number, data, key in plan.new_jobs}
    found = {e.name_key: e for e in filter_in(Employer.objects.all(), "name_key", names)}
    missing = [
        Employer(name=name, name_key=key, credit_code=plan.employer_codes.get(key, ""))
        for key, name in names.items()
        if key not in found
    ]
    Employer.objects.bulk_create(missing, batch_size=2000)
    found.update(
        {e.name_key: e for e in filter_in(Employer.objects.all(), "name_key", [m.name_key for m in missing])}
    )
    created = {m.name_key for m in missing}
    for key, code in plan.employer_codes.items():
        if key not in created:
            Employer.objects.filter(name_key=key, credit_code="").update(credit_code=code)
    return found


# --- The batch lifecycle -------------------------------------------------------------------------------


def _store_plan(batch: ImportBatch, plan: Plan) -> None:
    batch.rows_total = plan.rows_total
    batch.rows_processed = plan.rows_total
    # A refused file writes nothing, so it has no new, updated or unchanged rows: counting the rows that
    # would have been new would read, in the history and the summary, as if some had been imported.
    written = not plan.errors
    batch.rows_new = len(plan.new_jobs) if written else 0
    batch.rows_updated = len(plan.changed_jobs) + plan.person_updates if written else 0
    batch.rows_unchanged = plan.unchanged if written else 0
    batch.rows_rejected = len(plan.rejected_rows) or (plan.rows_total if plan.errors else 0)
    batch.errors = [e.as_dict() for e in plan.errors[:5000]]
    batch.warnings = plan.warnings[:1000]


def _progress_updater(batch: ImportBatch):
    def update(done: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(rows_processed=done)

    return update


def return_validate(*, batch: ImportBatch, acting_user) -> Plan:
    """The dry run: check the stored file and record counts, errors and warnings on the batch."""
    path = Path(batch.stored_path)
    if not batch.stored_path or not path.exists():
        raise ValidationError(FILE_GONE)
    plan = return_plan(acting_user=acting_user, path=path, batch=batch, progress=_progress_updater(batch))
    _store_plan(batch, plan)
    batch.status = ImportBatch.Status.VALIDATED if plan.ok else ImportBatch.Status.REJECTED
    if not plan.ok:
        batch.finished_at = timezone.now()
    batch.save()
    return plan


def return_import(*, batch: ImportBatch, acting_user) -> ImportBatch:
    """Check the file again (the ledger may have changed since the preview) and write it, all or nothing."""
    return _import(batch=batch, acting_user=acting_user)[0]


def _import(*, batch: ImportBatch, acting_user) -> tuple[ImportBatch, Plan]:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.uploaded_by_id != acting_user.pk:
            raise PermissionDenied(str(BATCH_NOT_YOURS))
        if batch.status not in {
            ImportBatch.Status.VALIDATED,
            ImportBatch.Status.QUEUED,
            ImportBatch.Status.UPLOADED,
        }:
            raise ValidationError(BATCH_WRONG_STATE.format(status=batch.get_status_display()))
        batch.status = ImportBatch.Status.IMPORTING
        batch.attempts += 1
        batch.save(update_fields=["status", "attempts"])
    path = Path(batch.stored_path)
    if not path.exists():
        plan = Plan(errors=[RowIssue(0, "", "", str(FILE_GONE))])
        batch.status = ImportBatch.Status.FAILED
        batch.errors = [e.as_dict() for e in plan.errors]
        batch.save()
        return batch, plan
    # Reading and parsing commit the progress as they go; checking and writing are one transaction.
    for attempt in (1, 2):
        plan, parsed = _parse_file(path, progress=_progress_updater(batch))
        try:
            _check_and_write(plan, parsed, batch=batch, acting_user=acting_user)
        except _Refused:
            break
        except IntegrityError:
            # Someone registered one of the file's new people or jobs between the check and the write:
            # check the file again against the ledger as it is now (it rolled back; nothing was written).
            logger.info("import batch %s met a concurrent change (attempt %s)", batch.pk, attempt)
            if attempt == 2:
                plan = Plan(rows_total=plan.rows_total, errors=[RowIssue(0, "", "", str(CONCURRENT_CHANGE))])
                break
        else:
            _discard_file(batch)
            batch.save(update_fields=["stored_path"])
            return batch, plan
    _store_plan(batch, plan)
    batch.finished_at = timezone.now()
    batch.status = ImportBatch.Status.REJECTED
    batch.save()
    return batch, plan


def _check_and_write(plan: Plan, parsed: list, *, batch: ImportBatch, acting_user) -> None:
    """Check the parsed rows and write them with the batch's own record, all in one transaction (a crash
    leaves neither); `_Refused` if any row is wrong. The rows are written in bulk (no per-row audit
    entries); they carry the batch id, and one audit event records the import with its counts."""
    with (
        transaction.atomic(),
        audit.audit_context(door=audit.DOOR_IMPORT, actor=acting_user, batch=batch.pk),
    ):
        if parsed:
            _check_rows(plan, parsed, acting_user=acting_user, batch=batch, write_early=True)
        _report_row_errors(plan, parsed)
        if not plan.ok:
            raise _Refused  # rolls back the people inserted while the rows were checked
        _store_plan(batch, plan)
        batch.finished_at = timezone.now()
        _write(plan, acting_user=acting_user, batch=batch)
        batch.status = ImportBatch.Status.IMPORTED
        batch.save()
        audit.audit_event(
            "return_import",
            obj=batch,
            actor=acting_user,
            detail={"new": batch.rows_new, "updated": batch.rows_updated, "unchanged": batch.rows_unchanged},
        )


class _Refused(Exception):
    """The file has errors: nothing of it is written."""


def return_run(*, acting_user, path, file_name: str, township=None, year=None, quarter=None, dry_run=False):
    """The whole pipeline at once (the command): upload, check, and unless `dry_run` import."""
    with open(path, "rb") as handle:
        batch = return_upload(
            acting_user=acting_user,
            file_obj=handle,
            file_name=file_name,
            township=township,
            year=year,
            quarter=quarter,
        )
    if dry_run:
        plan = return_validate(batch=batch, acting_user=acting_user)
        _discard_file(batch)
        batch.save(update_fields=["stored_path"])
        return batch, plan
    batch, plan = _import(batch=batch, acting_user=acting_user)
    _discard_file(batch)
    batch.save(update_fields=["stored_path"])
    return batch, plan


def _discard_file(batch: ImportBatch) -> None:
    if batch.stored_path:
        Path(batch.stored_path).unlink(missing_ok=True)
        batch.stored_path = ""


@transaction.atomic
def return_rollback(*, batch: ImportBatch, acting_user, reason: str) -> ImportBatch:
    """Remove what a batch created (its jobs, and its people left without jobs), while its quarters are
    unlocked. Updates it made to existing rows stay (they are what the latest return said)."""
    if scope_for(acting_user).role != Role.BUREAU:
        raise PermissionDenied(str(ONLY_BUREAU_ROLLBACK))
    if not (reason or "").strip():
        raise ValidationError(ROLLBACK_REASON)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.IMPORTED:
        raise ValidationError(BATCH_WRONG_STATE.format(status=batch.get_status_display()))
    jobs = Employment.objects.filter(import_batch_id=batch.pk).select_related("worker")
    quarters = {quarter_of(d) for d in jobs.values_list("start_date", flat=True)}
    locked = sorted(q for q in quarters if QuarterLock.objects.filter(year=q[0], quarter=q[1]).exists())
    if locked:
        raise ValidationError(
            ROLLBACK_LOCKED.format(quarters="、".join(f"{y}年第{q}季度" for y, q in locked))
        )
    tombstones = [
        Tombstone(
            kind=Tombstone.Kind.EMPLOYMENT,
            object_id=job.pk,
            township_id=job.worker.township_id,
            industry_id=job.industry_id,
            start_year=job.start_date.year,
        )
        for job in jobs
    ]
    years = sorted({y for y, _q in quarters})
    touched = set(jobs.values_list("worker_id", flat=True))
    orphans = Worker.objects.filter(import_batch_id=batch.pk, employments__isnull=True)
    # Removed in bulk like they were written: one audit event with the counts, the tombstones list the ids.
    with disable_auditlog():
        removed_jobs = jobs.delete()[1].get(Employment._meta.label, 0)
        orphans = Worker.objects.filter(import_batch_id=batch.pk, employments__isnull=True)
        tombstones += [
            Tombstone(kind=Tombstone.Kind.WORKER, object_id=w.pk, township_id=w.township_id)
            for w in orphans.only("pk", "township_id")
        ]
        removed_people = orphans.delete()[1].get(Worker._meta.label, 0)
    Tombstone.objects.bulk_create(tombstones, batch_size=2000)
    Worker.objects.filter(pk__in=touched).update(updated_at=timezone.now())
    batch.status = ImportBatch.Status.ROLLED_BACK
    batch.rolled_back_by = acting_user
    batch.rolled_back_at = timezone.now()
    batch.rollback_reason = reason.strip()
    with audit.audit_context(actor=acting_user):
        batch.save()
        audit.audit_event(
            "return_rollback",
            obj=batch,
            actor=acting_user,
            detail={"employments": removed_jobs, "workers": removed_people, "reason": batch.rollback_reason},
        )
    if years:
        progress_mark_dirty(years)
    return batch


def return_summary(batch: ImportBatch) -> str:
    if batch.status == ImportBatch.Status.REJECTED:
        return str(_("共 {total} 行：有错误 {rejected} 行，整份文件没有写入，请改正后重新上传。")).format(
            total=batch.rows_total, rejected=batch.rows_rejected
        )
    return str(
        _("共 {total} 行：新增 {new}，未变化 {unchanged}，更新 {updated}，有错误 {rejected}。")
    ).format(
        total=batch.rows_total,
        new=batch.rows_new,
        unchanged=batch.rows_unchanged,
        updated=batch.rows_updated,
        rejected=batch.rows_rejected,
    )


def errors_by_row(batch: ImportBatch) -> dict[int, list[dict]]:
    grouped = defaultdict(list)
    for issue in batch.errors:
        grouped[issue["row"]].append(issue)
    return dict(grouped)
