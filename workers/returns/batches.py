"""The import batch's lifecycle: upload (an identical file already imported is refused), validate (dry run),
import (all or nothing) or discard, the one-call run of the command, roll-back, and the summary and error
list the pages show."""

import hashlib
import logging
import secrets
from datetime import date
from pathlib import Path

from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from targets import audit
from targets.models import Role, Township
from targets.scoping import ensure_township_writable, scope_for
from targets.services import locked_quarters, progress_mark_dirty, quarter_of
from wanzhou_jobs.spreadsheets import check_file_name

from ..models import (
    Employment,
    ImportBatch,
    Tombstone,
    Worker,
)
from .checks import _check_rows, _parse_file, _report_row_errors, return_plan
from .plan import (
    BATCH_NOT_YOURS,
    BATCH_WRONG_STATE,
    CONCURRENT_CHANGE,
    FILE_GONE,
    ONLY_BUREAU_ROLLBACK,
    ONLY_UPLOADER_DISCARDS,
    ONLY_UPLOADER_RETRIES,
    ROLLBACK_LOCKED,
    ROLLBACK_REASON,
    SAME_FILE,
    Plan,
    RowIssue,
)
from .states import batch_move, batches_move
from .stored import KeptPlan, plan_drop, plan_keep, plan_load, plan_still_holds
from .write import _counted_from, _write, start_new_people

logger = logging.getLogger(__name__)


# --- Upload --------------------------------------------------------------------------------------------


def _storage_dir() -> Path:
    path = Path(settings.PRIVATE_MEDIA_ROOT) / "returns"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_township(acting_user, township: Township | None) -> Township | None:
    """The township a return is for: a clerk's own; refused to read-only roles and other townships."""
    scope = scope_for(acting_user)
    if not scope.can_write:
        raise PermissionDenied(str(_("您的账号为只读账号，不能导入数据。")))
    if scope.role != Role.BUREAU and len(scope.township_ids) == 1:
        township = Township.objects.get(pk=next(iter(scope.township_ids)))
    if township is not None:
        ensure_township_writable(acting_user, township)
    return township


class SameFile(ValidationError):
    """The file was imported before for the same township (same SHA-256): `batch` is that import."""

    def __init__(self, batch: ImportBatch):
        date = timezone.localtime(batch.finished_at or batch.created_at).date().isoformat()
        super().__init__(str(SAME_FILE.format(pk=batch.pk, date=date)))
        self.batch = batch


@transaction.atomic
def return_upload(
    *,
    acting_user,
    file_obj,
    file_name: str,
    township: Township | None = None,
    year=None,
    quarter=None,
    column_map: dict | None = None,
) -> ImportBatch:
    """Store an uploaded file under a random name outside the web root and open a batch for it. Its format is
    told from its content when it is read; a name of a format not accepted is refused here, and so is a
    file the township has imported before (`SameFile`: no second batch of it)."""
    township = _upload_township(acting_user, township)
    check_file_name(file_name)  # .et, .wps, .numbers…: refused with the formats accepted, at every door
    digest = hashlib.sha256()
    path = _storage_dir() / f"{secrets.token_hex(16)}{Path(str(file_name)).suffix.lower()}"
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
    earlier = (
        ImportBatch.objects.filter(
            file_sha256=digest.hexdigest(), township=township, status=ImportBatch.Status.IMPORTED
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if earlier is not None:
        path.unlink(missing_ok=True)
        raise SameFile(earlier)
    return ImportBatch.objects.create(
        township=township,
        year=year,
        quarter=quarter,
        file_name=Path(str(file_name)).name[:255],
        file_sha256=digest.hexdigest(),
        file_size=size,
        stored_path=str(path),
        uploaded_by=acting_user,
        column_map=column_map or {},
    )


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
    batch.preview = plan.preview if written else []


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
    plan_keep(batch, plan, acting_user=acting_user)  # the confirm writes it without reading the file again
    if plan.ok:
        batch_move(batch, ImportBatch.Status.VALIDATED)
    else:
        batch_move(batch, ImportBatch.Status.REJECTED, finished_at=timezone.now())
    batch.save()
    return plan


def return_queue(*, batch: ImportBatch) -> bool:
    """A checked batch waits for the worker to import it (its page shows it queued); False if it was no
    longer checked-and-waiting (confirmed twice, discarded meanwhile): the import then refuses it."""
    return bool(
        batches_move(
            ImportBatch.objects.filter(pk=batch.pk),
            ImportBatch.Status.VALIDATED,
            ImportBatch.Status.QUEUED,
            rows_processed=0,
        )
    )


def return_import(*, batch: ImportBatch, acting_user) -> ImportBatch:
    """Write the checked file, all or nothing: the plan its preview kept when what that check read from the
    ledger is unchanged (`stored`), else after checking the whole file again."""
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
        batch_move(batch, ImportBatch.Status.IMPORTING, attempts=batch.attempts + 1)
        batch.save(update_fields=["status", "attempts"])
    path = Path(batch.stored_path)
    if not path.exists():
        plan = Plan(errors=[RowIssue(0, "", "", str(FILE_GONE))])
        batch_move(batch, ImportBatch.Status.FAILED, errors=[e.as_dict() for e in plan.errors])
        batch.save()
        return batch, plan
    kept = plan_load(batch, acting_user=acting_user)
    if kept is not None and _write_kept(kept, batch=batch, acting_user=acting_user):
        return_file_discard(batch)
        batch.save(update_fields=["stored_path"])
        return batch, kept.plan
    # Reading and parsing commit the progress as they go; checking and writing are one transaction.
    for attempt in (1, 2):
        plan, parsed = _parse_file(path, progress=_progress_updater(batch), mapping=batch.column_map)
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
            return_file_discard(batch)
            batch.save(update_fields=["stored_path"])
            return batch, plan
    plan_drop(batch)  # the file stays a day for its error list; a plan it was refused on is of no use
    _store_plan(batch, plan)
    batch_move(batch, ImportBatch.Status.REJECTED, finished_at=timezone.now())
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
        _write_batch(plan, batch=batch, acting_user=acting_user, checked="again")


def _write_kept(kept: KeptPlan, *, batch: ImportBatch, acting_user) -> bool:
    """Write the plan the preview kept, in one transaction with the batch's record, after reading again what
    its check read; False (nothing written) when any of it changed, or when the database refuses a row
    registered meanwhile: the caller then checks the whole file again."""
    try:
        with (
            transaction.atomic(),
            audit.audit_context(door=audit.DOOR_IMPORT, actor=acting_user, batch=batch.pk),
        ):
            if not plan_still_holds(kept, acting_user=acting_user):
                return False
            # The new people go in (and PostgreSQL checks their keys) while the jobs are decoded.
            plan = kept.plan
            started = start_new_people(plan, plan.new_workers, batch, acting_user)
            try:
                kept.jobs()
            finally:
                started.wait()
            _write_batch(plan, batch=batch, acting_user=acting_user, checked="preview")
    except IntegrityError:
        logger.info(
            "import batch %s: a row of its kept plan was registered meanwhile; checked again", batch.pk
        )
        return False
    return True


def _write_batch(plan: Plan, *, batch: ImportBatch, acting_user, checked: str) -> None:
    """Write an accepted plan and record it on the batch, with one audit event (inside the caller's
    transaction). `checked` says which check the write rests on: the preview's kept plan or a new one."""
    _store_plan(batch, plan)
    batch.finished_at = timezone.now()
    _write(plan, acting_user=acting_user, batch=batch)
    batch_move(batch, ImportBatch.Status.IMPORTED)
    batch.save()
    audit.audit_event(
        "return_import",
        obj=batch,
        actor=acting_user,
        detail={
            "new": batch.rows_new,
            "updated": batch.rows_updated,
            "unchanged": batch.rows_unchanged,
            "checked": checked,
        },
    )


class _Refused(Exception):
    """The file has errors: nothing of it is written."""


def return_run(
    *,
    acting_user,
    path,
    file_name: str,
    township=None,
    year=None,
    quarter=None,
    dry_run=False,
    column_map: dict | None = None,
):
    """The whole pipeline at once (the command): upload, check, and unless `dry_run` import. A dry run is a
    check, not an upload: it stores nothing and leaves no batch (the batch returned is not saved)."""
    if dry_run:
        township = _upload_township(acting_user, township)
        check_file_name(file_name)
        batch = ImportBatch(
            township=township,
            year=year,
            quarter=quarter,
            file_name=Path(str(file_name)).name[:255],
            uploaded_by=acting_user,
            column_map=column_map or {},
        )
        plan = return_plan(acting_user=acting_user, path=Path(path), batch=batch)
        _store_plan(batch, plan)
        batch_move(batch, ImportBatch.Status.VALIDATED if plan.ok else ImportBatch.Status.REJECTED)
        return batch, plan
    with open(path, "rb") as handle:
        batch = return_upload(
            acting_user=acting_user,
            file_obj=handle,
            file_name=file_name,
            township=township,
            year=year,
            quarter=quarter,
            column_map=column_map,
        )
    batch, plan = _import(batch=batch, acting_user=acting_user)
    return_file_discard(batch)
    batch.save(update_fields=["stored_path"])
    return batch, plan


@transaction.atomic
def return_discard(*, batch: ImportBatch, acting_user) -> ImportBatch:
    """The uploader gives up a checked batch instead of importing it: marked as discarded (kept in the
    history, never deleted), its stored file removed."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.uploaded_by_id != acting_user.pk:
        raise PermissionDenied(str(ONLY_UPLOADER_DISCARDS))
    if batch.status != ImportBatch.Status.VALIDATED:
        raise ValidationError(BATCH_WRONG_STATE.format(status=batch.get_status_display()))
    return_file_discard(batch)
    batch_move(batch, ImportBatch.Status.DISCARDED, finished_at=timezone.now())
    with audit.audit_context(actor=acting_user):
        batch.save(update_fields=["status", "finished_at", "stored_path"])
        audit.audit_event("return_discard", obj=batch, actor=acting_user, detail={"rows": batch.rows_total})
    return batch


@transaction.atomic
def return_retry(*, batch: ImportBatch, acting_user) -> ImportBatch:
    """A batch that ended failed (its worker died on every attempt, or was lost for an hour) is checked
    again from its stored file, as if just uploaded; the clerk then confirms it as before. A failed import
    wrote nothing (one transaction), so starting over can double nothing. The file is kept a day
    (`tasks.FILE_TTL`); after that the clerk uploads it again."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.uploaded_by_id != acting_user.pk:
        raise PermissionDenied(str(ONLY_UPLOADER_RETRIES))
    if batch.status != ImportBatch.Status.FAILED:
        raise ValidationError(BATCH_WRONG_STATE.format(status=batch.get_status_display()))
    if not batch.stored_path or not Path(batch.stored_path).exists():
        raise ValidationError(FILE_GONE)
    plan_drop(batch)  # checked again from the file
    batch_move(
        batch,
        ImportBatch.Status.UPLOADED,
        attempts=0,
        errors=[],
        warnings=[],
        preview=[],
        rows_processed=0,
        finished_at=None,
    )
    with audit.audit_context(actor=acting_user):
        batch.save(
            update_fields=[
                "status",
                "attempts",
                "errors",
                "warnings",
                "preview",
                "rows_processed",
                "finished_at",
            ]
        )
        audit.audit_event("return_retry", obj=batch, actor=acting_user, detail={"rows": batch.rows_total})
    return batch


def return_file_discard(batch: ImportBatch) -> None:
    """Remove the stored upload and the plan kept with it (personal data both); the caller saves the batch."""
    if batch.stored_path:
        plan_drop(batch)
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
    frozen = locked_quarters(township_ids=[batch.township_id], acting_user=acting_user)
    locked = sorted(q for q in quarters if q in frozen)
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
    years = sorted({_counted_from(date(y, 1, 1)) for y, _q in quarters})
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
    batch_move(
        batch,
        ImportBatch.Status.ROLLED_BACK,
        rolled_back_by=acting_user,
        rolled_back_at=timezone.now(),
        rollback_reason=reason.strip(),
    )
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
    """The four counts of DESIGN.md §5 (a refused file has written nothing, so only its errors count)."""
    summary = str(
        _("共 {total} 行：新增 {new}，未变化 {unchanged}，更新 {updated}，有错误 {rejected}。")
    ).format(
        total=batch.rows_total,
        new=batch.rows_new,
        unchanged=batch.rows_unchanged,
        updated=batch.rows_updated,
        rejected=batch.rows_rejected,
    )
    if batch.status == ImportBatch.Status.REJECTED:
        summary += str(_("整份文件没有写入，请改正后重新上传。"))
    return summary
