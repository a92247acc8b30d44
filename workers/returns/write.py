"""Writing a checked plan in bulk, inside the import's transaction: new people, their updates, employers and
jobs, a handful of statements per file."""

from django.db import transaction
from django.utils import timezone

from targets.services import progress_mark_dirty
from wanzhou_jobs.bulk import StartedInsert, bulk_insert, filter_in

from ..models import (
    CATEGORY_FIELDS,
    REGISTERED_SINCE_UNKNOWN,
    Employer,
    Employment,
    ImportBatch,
    RegistrationPeriod,
    Source,
    Worker,
)
from ..services import PLAN_START
from ..services.registration import registration_township_sync
from ..validators import id_number_info
from .plan import Plan

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
    # Rule 4.1: a job counts in the township of registration on its start date; it goes in with the
    # person's current township and is corrected below for the few who have moved.
    township_ids = {
        pk: township_id
        for pk, township_id in filter_in(
            Worker.objects.values_list("pk", "township_id"), "pk", plan.known_workers.values()
        )
    }
    if plan.new_workers:
        new_ids = dict(Worker.objects.filter(import_batch_id=batch.pk).values_list("id_number", "pk"))
        worker_ids.update(new_ids)
        bulk_insert(
            RegistrationPeriod,
            ["worker_id", "township_id", "from_date", "reason", "created_by_id", "created_at"],
            [
                (new_ids[i], entry["township"].pk, REGISTERED_SINCE_UNKNOWN, "", creator_id, now)
                for i, entry in plan.new_workers.items()
            ],
        )
        township_ids.update({new_ids[i]: entry["township"].pk for i, entry in plan.new_workers.items()})
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
                township_ids[worker_ids[id_number]],
            )
        )
        years.add(_counted_from(data.start_date))
        if id_number not in plan.new_workers:
            touched_worker_ids.add(worker_ids[id_number])
    bulk_insert(Employment, _JOB_COLUMNS, new_jobs)
    moved = RegistrationPeriod.objects.filter(until__isnull=False).values("worker_id")
    registration_township_sync(Employment.objects.filter(import_batch_id=batch.pk, worker_id__in=moved))
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
        years.add(_counted_from(job.start_date))
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


def _counted_from(start) -> int:
    """The first year whose figures a job changes: its own, or for a pre-plan job (rule 4.2: in work on a day
    of the plan, never new) the plan's first year — a district stock load marks 2025 on, not 2000–2024."""
    return max(start.year, PLAN_START.year)


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


def start_new_people(plan: Plan, new: dict, batch: ImportBatch, acting_user) -> StartedInsert:
    """Start inserting the new people (`_merge_people` entries by ID number) — PostgreSQL checks their keys
    while the caller goes on — and note them on the plan as written. The caller waits on the result."""
    creator_id = acting_user.pk if getattr(acting_user, "pk", None) else None
    started = StartedInsert(Worker, _WORKER_COLUMNS, _worker_rows(new, plan.id_infos, batch, creator_id))
    plan.workers_written = set(new)
    return started


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
    "registration_township_id",
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
