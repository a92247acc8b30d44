"""Reading and checking a return: every cell parsed (`resources.parse_row`), then every rule that needs more
than one cell — township scoping, the ledger, the rest of the file, employers — and the plan of what to
write. Nothing here writes, except the new people a checked import inserts early (`_check_rows`)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets.models import Township
from targets.scoping import scope_for
from targets.services import locked_quarters, quarter_of
from wanzhou_jobs.bulk import filter_in
from wanzhou_jobs.spreadsheets import HeaderMissing, SpreadsheetError, clean_text

from .. import resources as R
from ..models import (
    CATEGORY_FIELDS,
    REGISTERED_SINCE_UNKNOWN,
    Employer,
    Employment,
    EmploymentForm,
    ImportBatch,
    RegistrationPeriod,
    Worker,
)
from ..services import (
    EMPLOYER_CREDIT_CODE_CONFLICT,
    EMPLOYER_NAME_CODE_CONFLICT,
    ID_NUMBER_OTHER_NAME,
    PLAN_START,
    EmploymentData,
    employment_check,
    normalise_name,
)
from ..validators import id_number_info
from .plan import (
    CODE_TWO_EMPLOYERS,
    DUPLICATE_MERGED,
    EMPLOYER_TWO_CODES,
    EMPTY_FILE,
    HEADER_COLUMN,
    MAX_ROWS,
    MOVE_HOW,
    NOT_THE_BATCH_TOWNSHIP,
    NOT_YOUR_TOWNSHIP,
    OUTSIDE_QUARTER,
    PERSON_VALUE_DIFFERS,
    PRE_PLAN_JOBS,
    PRE_PLAN_ROWS_SHOWN,
    REGISTERED_ELSEWHERE,
    SAME_ID_TWO_NAMES,
    SAME_KEY_DIFFERENT,
    SINCE_MOVE,
    SINCE_RECORD,
    TOWNSHIP_MISMATCH,
    Plan,
    RowIssue,
    _merge_people,
    _plan_employer_codes,
    _plan_jobs,
    _plan_workers,
)
from .stored import Reads, _digest, _reference, _scope
from .write import start_new_people

THIS_TOWNSHIP = _("本镇乡街道")  # the township moved into, when the row names none that can be read
_NO_BIRTH_DATE = date(1900, 1, 1)  # without a valid ID number: the age rule waits, the date window runs


# --- Validation ----------------------------------------------------------------------------------------


def return_plan(*, acting_user, path, batch: ImportBatch | None = None, progress=None) -> Plan:
    """Read and check a whole file; returns the plan without writing anything."""
    plan, parsed = _parse_file(path, progress, mapping=batch.column_map if batch is not None else None)
    if parsed:
        _check_rows(plan, parsed, acting_user=acting_user, batch=batch)
    _report_row_errors(plan, parsed)
    return plan


def _parse_file(path, progress=None, *, mapping: dict | None = None) -> tuple[Plan, list]:
    """Read the file and parse every cell: the plan so far (file-level errors, warnings) and the rows.
    `mapping` is the clerk's column mapping of the file (`columns`): it names columns, nothing more."""
    plan = Plan()
    try:
        # read_rows bounds the file (size, zip ratios, rows, columns, formulas) before any XML is parsed.
        sheet = R.read_return(path, max_rows=MAX_ROWS, mapping=mapping or None)
    except HeaderMissing as exc:
        plan.needs_mapping = True
        plan.errors.append(RowIssue(0, HEADER_COLUMN, "", "；".join(exc.messages)))
        return plan, []
    except SpreadsheetError as exc:
        plan.errors.append(RowIssue(0, "", "", "；".join(exc.messages)))
        return plan, []
    if mapping:
        plan.warnings.append(str(R.mapping_warning(mapping)))
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
            plan.errors.append(RowIssue(row.number, header, clean_text(row.raw.get(header))[:60], message))
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
    since = _registered_since(_registered_elsewhere(parsed, existing, scope, own))
    keys = {row.values["employer_key"] for row in parsed if row.values["employer_key"]}
    codes = {row.values["credit_code"] for row in parsed if row.values.get("credit_code")}
    employers_by_key = {e.name_key: e for e in filter_in(Employer.objects.all(), "name_key", keys)}
    employers_by_code = {e.credit_code: e for e in filter_in(Employer.objects.all(), "credit_code", codes)}
    # Everything the checks read from the ledger is read before the new people are inserted (below):
    # from then on the connection is busy with that insert until `wait()`.
    # The district's locks and those of the townships the rows register people in (issue 23).
    row_townships = {row.values["township"].pk for row in parsed if row.values.get("township") is not None}
    locks = locked_quarters(township_ids=row_townships, acting_user=acting_user)
    jobs = Employment.objects.values_list(*_KNOWN_JOB_FIELDS, named=True)
    current = {
        (job.worker_id, job.start_date, job.employer_key): job
        for job in filter_in(jobs, "worker_id", [worker.pk for worker in existing.values()])
    }
    if not write_early:
        # A preview: what it read is kept with its plan, so that the confirm can tell whether it still holds.
        plan.reads = Reads(
            worker_pks=sorted(w.pk for w in existing.values()),
            employer_keys=sorted(keys),
            credit_codes=sorted(codes),
        )
        plan.read_digests = {
            "workers": _digest((w.pk, w.version, w.updated_at.isoformat()) for w in existing.values()),
            "jobs": _digest((job.pk, job.updated_at.isoformat()) for job in current.values()),
            "employers": _digest(
                {
                    (e.pk, e.name_key, e.credit_code)
                    for e in (*employers_by_key.values(), *employers_by_code.values())
                }
            ),
            "locks": _digest(locks),
            "scope": _scope(acting_user),
            "reference": _reference(),
        }
    started = None
    merged = None
    if write_early and batch is not None and not any(row.errors for row in parsed):
        merged = _merge_people(parsed)
        new = {id_number: entry for id_number, entry in merged.items() if id_number not in existing}
        for id_number in new:
            plan.id_infos[id_number] = id_number_info(id_number)
        started = start_new_people(plan, new, batch, acting_user)
    try:
        _check_each_row(
            plan, parsed, existing, employers_by_key, employers_by_code, scope, own, today, batch, since
        )
        valid_rows = [row for row in parsed if not row.errors and row.values.get("id_number")]
        changed_people = _plan_workers(
            plan, valid_rows, existing, merged if len(valid_rows) == len(parsed) else None
        )
        _plan_employer_codes(plan, valid_rows, employers_by_key)
        candidates = [c for c in plan.candidates if not c[0].errors]
        _plan_jobs(plan, candidates, existing, changed_people, locks=locks, current=current)
        plan.candidates = []  # they hold the parsed rows, which the plan no longer needs
    finally:
        if started is not None:
            started.wait()  # before the next query; a database error (a person inserted meanwhile) is raised


def _check_each_row(
    plan: Plan, parsed, existing, employers_by_key, employers_by_code, scope, own, today, batch, since
):
    first_name: dict[str, tuple[int, str]] = {}
    first_attr: dict[tuple[str, str], tuple[int, str]] = {}
    code_of_key: dict[str, tuple[int, str]] = {}
    key_of_code: dict[str, tuple[int, str]] = {}
    seen_keys: dict[tuple, tuple[int, tuple]] = {}
    pre_plan: list[int] = []
    candidates = plan.candidates
    # Bureau staff who name the township a return is for import that township's people only; a file of several
    # townships (the district's stock) is a batch without a township, each row counted in its own township.
    batch_township = batch.township if own is None and batch is not None and batch.township_id else None
    for row in parsed:
        v = row.values
        id_number, township, start = v.get("id_number"), v.get("township"), v.get("start_date")
        if township is not None:
            if own is not None and township.pk != own.pk:
                row.error(R.H_TOWNSHIP, NOT_YOUR_TOWNSHIP.format(township=township.name, own=own.name))
            elif batch_township is not None and township.pk != batch_township.pk:
                row.error(
                    R.H_TOWNSHIP,
                    NOT_THE_BATCH_TOWNSHIP.format(township=township.name, own=batch_township.name),
                )
            elif not scope.sees_township(township.pk) or not scope.can_write:
                row.error(R.H_TOWNSHIP, NOT_YOUR_TOWNSHIP.format(township=township.name, own="—"))
        if id_number and v.get("name"):
            _check_person(
                row, existing.get(id_number), scope=scope, own=own, first_name=first_name, since=since
            )
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
        if start < PLAN_START:
            pre_plan.append(row.number)  # DESIGN §4.2, §5: accepted, with one warning for the file
        elif (
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
    if pre_plan:
        shown = "、".join(map(str, pre_plan[:PRE_PLAN_ROWS_SHOWN])) + (
            "…" if len(pre_plan) > PRE_PLAN_ROWS_SHOWN else ""
        )
        plan.warnings.append(str(PRE_PLAN_JOBS.format(count=len(pre_plan), rows=shown)))


_KNOWN_WORKER_FIELDS = (
    "pk",
    "id_number",
    "name",
    "township_id",
    "township__name",
    "birth_date",
    "phone",
    "village",
    "version",
    "updated_at",
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
    "updated_at",
)


def _check_person(row, worker, *, scope, own, first_name: dict, since: dict) -> None:
    v = row.values
    id_number, name, township = v["id_number"], v["name"], v.get("township")
    other_row, other_name = first_name.setdefault(id_number, (row.number, name))
    if other_name != name:
        row.error(R.H_NAME, SAME_ID_TWO_NAMES.format(other=other_row, name=other_name))
    if worker is None:
        return
    if (own is not None and worker.township_id != own.pk) or (
        normalise_name(worker.name) != name and not scope.sees_township(worker.township_id)
    ):
        # Where and since when the person is registered, never their name as that township recorded it.
        into = own or township
        row.error(
            R.H_ID,
            REGISTERED_ELSEWHERE.format(
                since=since[worker.pk],
                township=worker.township__name,
                how=MOVE_HOW.format(own=into.name if into is not None else THIS_TOWNSHIP),
            ),
        )
    elif normalise_name(worker.name) != name:
        row.error(R.H_NAME, ID_NUMBER_OTHER_NAME.format(name=worker.name))
    elif township is not None and worker.township_id != township.pk:
        row.error(
            R.H_TOWNSHIP,
            TOWNSHIP_MISMATCH.format(
                since=since[worker.pk], township=worker.township__name, how=MOVE_HOW.format(own=township.name)
            ),
        )


def _registered_elsewhere(parsed: list, existing: dict, scope, own) -> set[int]:
    """Known people of the file whose refusal names the township holding them (`_check_person`)."""
    elsewhere = set()
    for row in parsed:
        worker = existing.get(row.values.get("id_number"))
        if worker is None:
            continue
        township = row.values.get("township")
        if (
            (own is not None and worker.township_id != own.pk)
            or not scope.sees_township(worker.township_id)
            or (township is not None and township.pk != worker.township_id)
        ):
            elsewhere.add(worker.pk)
    return elsewhere


def _registered_since(worker_ids: set[int]) -> dict[int, str]:
    """Worker pk → since when they are registered where they are: the start of their open registration period
    (their last move), or for a person never moved the day their record was created (`SINCE_RECORD`)."""
    periods = RegistrationPeriod.objects.filter(until__isnull=True).values_list(
        "worker_id", "from_date", "worker__created_at"
    )
    since = {}
    for worker_id, from_date, created_at in filter_in(periods, "worker_id", worker_ids):
        if from_date == REGISTERED_SINCE_UNKNOWN:
            since[worker_id] = str(
                SINCE_RECORD.format(date=timezone.localtime(created_at).date().isoformat())
            )
        else:
            since[worker_id] = str(SINCE_MOVE.format(date=from_date.isoformat()))
    for worker_id in worker_ids - since.keys():  # no open period: cannot happen through the services
        since[worker_id] = ""
    return since


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
