"""The checked plan of a return, kept from the preview to the confirm (issue 24: confirm without re-reading).

The clerk's web flow is two steps: `return_validate` reads, parses and checks the whole file for the preview,
then `return_import` writes it. Everything the write needs was computed by the first step, so the plan is
kept — compactly, beside the stored upload, as zlib-compressed JSON signed with the project's key — together
with **what the check read from the ledger**: the versions of the file's known people (`version`,
`updated_at`), the `updated_at` of their jobs, the employers of the file's names and credit codes, the
locked quarters and the uploader's scope, each as a digest. The confirm reads those again (three indexed
queries by primary key or unique key, no file, no parsing) and, when every digest matches, writes the kept
plan. What the kept plan does not read again is guarded by the database: a person or a job with the same
natural key registered meanwhile by someone else makes the insert fail on its unique constraint, and the
confirm then checks the whole file again, as it does when a digest differs (a full check, never a partial
one: the rules that cross rows — one person, one name; one code, one employer — make a row's verdict depend
on the others).

A kept plan holds for the batch it was made for, the file's SHA-256, the user who checked it, and the day it
was checked (a date rule compares with today); otherwise the confirm checks the file again. It is removed
with the stored file: when the batch is imported, refused, discarded or started over, and by the hourly
clean-up once the file is older than `tasks.FILE_TTL`. Its size is bounded by the file's (`MAX_ROWS`):
about 40 bytes a row compressed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import zlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from django.utils import timezone
from django.utils.crypto import salted_hmac

from targets.models import Industry, QuarterLock, Township
from targets.scoping import scope_for
from wanzhou_jobs.bulk import filter_in

from ..models import Employer, Employment, ImportBatch, Worker
from ..services import EmploymentData
from ..validators import id_number_info
from .plan import Plan

logger = logging.getLogger(__name__)

FORMAT = 2  # bump when the layout below changes: older kept plans are then ignored (a full check)
SUFFIX = ".plan"
_SALT = "wanzhou_jobs.workers.returns.stored"
_MAC_BYTES = 32


# --- What the check read -----------------------------------------------------------------------------------


def _digest(rows) -> str:
    h = hashlib.sha256()
    for row in sorted(rows):
        h.update(repr(row).encode())
        h.update(b"\n")
    return h.hexdigest()


def _worker_versions(pks) -> str:
    rows = filter_in(Worker.objects.values_list("pk", "version", "updated_at"), "pk", pks)
    return _digest((pk, version, updated_at.isoformat()) for pk, version, updated_at in rows)


def _job_versions(worker_pks) -> str:
    rows = filter_in(Employment.objects.values_list("pk", "updated_at"), "worker_id", worker_pks)
    return _digest((pk, updated_at.isoformat()) for pk, updated_at in rows)


def _employers(keys, codes) -> str:
    fields = ("pk", "name_key", "credit_code")
    rows = set(filter_in(Employer.objects.values_list(*fields), "name_key", keys))
    rows |= set(filter_in(Employer.objects.values_list(*fields), "credit_code", codes))
    return _digest(rows)


def _locks() -> str:
    return _digest(QuarterLock.objects.values_list("township_id", "year", "quarter"))


def _scope(acting_user) -> str:
    scope = scope_for(acting_user)
    return _digest(
        [
            (
                "scope",
                scope.role,
                scope.all_townships,
                tuple(sorted(scope.township_ids)),
                scope.can_write,
            )
        ]
    )


def _reference() -> str:
    """Townships and industries, which the parse resolved names against (49 and 12 rows)."""
    return _digest(
        [*(("t", *r) for r in Township.objects.values_list("pk", "name", "code"))]
        + [("i", *r) for r in Industry.objects.values_list("pk", "name", "code")]
    )


@dataclass
class Reads:
    """What a check of a file read from the ledger, by the keys a confirm reads it again with."""

    worker_pks: list[int]
    employer_keys: list[str]
    credit_codes: list[str]

    def digests(self, acting_user) -> dict[str, str]:
        return {
            "workers": _worker_versions(self.worker_pks),
            "jobs": _job_versions(self.worker_pks),
            "employers": _employers(self.employer_keys, self.credit_codes),
            "locks": _locks(),
            "scope": _scope(acting_user),
            "reference": _reference(),
        }


# --- Keeping and loading ---------------------------------------------------------------------------------


def plan_path(batch: ImportBatch) -> Path | None:
    return Path(batch.stored_path + SUFFIX) if batch.stored_path else None


def plan_drop(batch: ImportBatch) -> None:
    path = plan_path(batch)
    if path is not None:
        path.unlink(missing_ok=True)


def _data_row(data: EmploymentData) -> list:
    return [
        data.employer_name,
        data.credit_code,
        data.industry.pk,
        data.workplace,
        data.workplace_township.pk if data.workplace_township else None,
        data.form,
        data.start_date.isoformat(),
        data.returnee,
        data.channel or "",
        None if data.monthly_income is None else str(data.monthly_income),
    ]


def _data(row: list, industries: dict, townships: dict) -> EmploymentData:
    name, code, industry, workplace, workplace_township, form, start, returnee, channel, income = row
    return EmploymentData(
        employer_name=name,
        credit_code=code,
        industry=industries[industry],
        workplace=workplace,
        workplace_township=townships[workplace_township] if workplace_township is not None else None,
        form=form,
        start_date=date.fromisoformat(start),
        returnee=returnee,
        channel=channel,
        monthly_income=None if income is None else Decimal(income),
    )


def plan_keep(batch: ImportBatch, plan: Plan, *, acting_user) -> None:
    """Keep an accepted plan for the confirm (a refused one is dropped: there is nothing to confirm)."""
    path = plan_path(batch)
    if path is None:
        return
    if not plan.ok or plan.reads is None:
        path.unlink(missing_ok=True)
        return
    body = {
        "format": FORMAT,
        "batch": batch.pk,
        "sha256": batch.file_sha256,
        "user": acting_user.pk,
        "day": timezone.localdate().isoformat(),
        "reads": {
            "worker_pks": plan.reads.worker_pks,
            "employer_keys": plan.reads.employer_keys,
            "credit_codes": plan.reads.credit_codes,
        },
        "digests": plan.read_digests,
        "rows_total": plan.rows_total,
        "warnings": plan.warnings,
        "preview": plan.preview,
        "unchanged": plan.unchanged,
        "person_updates": plan.person_updates,
        "known_workers": plan.known_workers,
        "new_workers": [
            [
                id_number,
                entry["name"],
                entry["township"].pk,
                entry["phone"],
                entry["village"],
                sorted(entry["flags"]),
                info.sex,
                info.birth_date.isoformat(),
            ]
            for id_number, entry in plan.new_workers.items()
            for info in [plan.id_infos.get(id_number) or id_number_info(id_number)]
        ],
        "worker_updates": [[pk, changes] for pk, changes in plan.worker_updates.items()],
        "employer_codes": plan.employer_codes,
        "new_jobs": [[id_number, key, *_data_row(data)] for id_number, data, key in plan.new_jobs],
        "changed_jobs": [[job.pk, *_data_row(data)] for job, data in plan.changed_jobs],
    }
    packed = zlib.compress(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), 1)
    mac = salted_hmac(_SALT, packed, algorithm="sha256").digest()
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(mac + packed)
    tmp.replace(path)  # a confirm never reads half a plan


@dataclass
class KeptPlan:
    """A loaded plan: the people are decoded at once (their insert starts first), the jobs by `jobs()`,
    while the people go in."""

    plan: Plan
    reads: Reads
    digests: dict[str, str]
    _new_jobs: list
    _changed_jobs: list
    _industries: dict
    _townships: dict

    def jobs(self) -> None:
        """Decode the jobs (no query: it runs while the people's insert holds the connection)."""
        industries, townships = self._industries, self._townships
        self.plan.new_jobs = [
            (id_number, _data(row, industries, townships), key) for id_number, key, *row in self._new_jobs
        ]
        self.plan.changed_jobs = [
            (SimpleNamespace(pk=pk), _data(row, industries, townships)) for pk, *row in self._changed_jobs
        ]
        self._new_jobs = self._changed_jobs = []


def plan_load(batch: ImportBatch, *, acting_user) -> KeptPlan | None:
    """The plan kept for `batch` when it still belongs to it (same file, same user, checked today, signed by
    this installation); None otherwise, and the confirm checks the file again."""
    path = plan_path(batch)
    if path is None or not path.exists():
        return None
    raw = path.read_bytes()
    mac, packed = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
    if not hmac.compare_digest(mac, salted_hmac(_SALT, packed, algorithm="sha256").digest()):
        logger.warning("import batch %s: its kept plan fails its signature; checked again", batch.pk)
        return None
    body = json.loads(zlib.decompress(packed))
    if (
        body.get("format") != FORMAT
        or body["batch"] != batch.pk
        or body["sha256"] != batch.file_sha256
        or body["user"] != acting_user.pk
        or body["day"] != timezone.localdate().isoformat()
    ):
        return None
    townships = Township.objects.in_bulk()
    plan = Plan(
        rows_total=body["rows_total"],
        warnings=body["warnings"],
        preview=body["preview"],
        unchanged=body["unchanged"],
        person_updates=body["person_updates"],
        known_workers=body["known_workers"],
        employer_codes=body["employer_codes"],
    )
    for id_number, name, township, phone, village, flags, sex, birth in body["new_workers"]:
        plan.new_workers[id_number] = {
            "name": name,
            "township": townships[township],
            "phone": phone,
            "village": village,
            "flags": dict.fromkeys(flags, True),
        }
        plan.id_infos[id_number] = SimpleNamespace(sex=sex, birth_date=date.fromisoformat(birth))
    plan.worker_updates = {pk: changes for pk, changes in body["worker_updates"]}
    return KeptPlan(
        plan=plan,
        reads=Reads(**body["reads"]),
        digests=body["digests"],
        _new_jobs=body["new_jobs"],
        _changed_jobs=body["changed_jobs"],
        _industries=Industry.objects.in_bulk(),
        _townships=townships,
    )


def plan_still_holds(kept: KeptPlan, *, acting_user) -> bool:
    """Read again what the check read; True when nothing of it changed since the preview."""
    now = kept.reads.digests(acting_user)
    changed = sorted(name for name, digest in now.items() if kept.digests.get(name) != digest)
    if changed:
        logger.info("kept plan no longer holds (%s changed): the file is checked again", ", ".join(changed))
    return not changed
