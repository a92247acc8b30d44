"""Celery tasks of the ledger: thin wrappers, primary keys in (never ID numbers or phones)."""

import logging
from contextlib import contextmanager
from datetime import timedelta

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from . import returns
from .models import ImportBatch

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
FILE_TTL = timedelta(hours=24)
IMPORT_LOCK = 20250721  # advisory lock namespace of running imports (the key is the batch id)


def worker_runs_tasks() -> bool:
    """True when tasks go to a real broker and worker (REDIS_URL); False when Celery runs them in-process
    (`make run`, the suite). With a worker, even a small return is checked and imported there: on deadline
    day the web processes stay free for pages (bench/deadline.py), and the page follows the batch's progress."""
    return not return_validate.app.conf.task_always_eager


def run_soon(task, *args) -> bool:
    """Enqueue `task`; when the broker cannot take it, run it here and now, so a page waits instead of
    failing while Redis is down (DESIGN.md §7: data entry still succeeds). True when it was queued."""
    from kombu.exceptions import OperationalError

    errors = (OperationalError, *task.app.connection_for_write().connection_errors)
    try:
        task.apply_async(args=args, retry=False)
    except errors as exc:
        logger.warning("broker unavailable (%s): %s runs in the request", type(exc).__name__, task.name)
        task.apply(args=args)
        return False
    return True


def _claim(batch_id: int, from_status: str, to_status: str) -> ImportBatch | None:
    """Move a batch from one status to the next under a row lock; None when another run got there first
    (a redelivered or duplicated message is a no-op) or when it has failed too often."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status != from_status:
            return None
        if batch.attempts >= MAX_ATTEMPTS:
            returns.batch_move(batch, ImportBatch.Status.FAILED, finished_at=timezone.now())
            batch.save(update_fields=["status", "finished_at"])
            return None
        returns.batch_move(batch, to_status)
        batch.save(update_fields=["status"])
        return batch


@shared_task(name="workers.return_validate", ignore_result=True, acks_late=True)
def return_validate(batch_id: int, user_id: int) -> None:
    batch = _claim(batch_id, ImportBatch.Status.UPLOADED, ImportBatch.Status.VALIDATING)
    if batch is not None:
        returns.return_validate(batch=batch, acting_user=get_user_model().objects.get(pk=user_id))


@contextmanager
def _running(batch_id: int):
    """A session advisory lock held while one process runs the batch's import (PostgreSQL). It dies with
    the process: a redelivered message that gets it while the batch says "importing" knows the attempt that
    said so is dead, and one that does not get it knows the attempt is alive. Yields whether it got it."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK, batch_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK, batch_id])


@shared_task(name="workers.return_import", ignore_result=True, acks_late=True)
def return_import(batch_id: int, user_id: int) -> None:
    """acks_late: a worker killed mid-import leaves its message to be delivered again. The write is one
    transaction, so the dead attempt wrote nothing; the batch it left "importing" is queued again and run
    once more (the attempt counts; after MAX_ATTEMPTS it ends failed)."""
    with _running(batch_id) as alone:
        if not alone:
            return  # another process is importing it right now
        if connection.vendor == "postgresql":
            returns.batches_move(
                ImportBatch.objects.filter(pk=batch_id),
                ImportBatch.Status.IMPORTING,
                ImportBatch.Status.QUEUED,
                rows_processed=0,
            )
        batch = _claim(batch_id, ImportBatch.Status.QUEUED, ImportBatch.Status.QUEUED)
        if batch is not None:
            returns.return_import(batch=batch, acting_user=get_user_model().objects.get(pk=user_id))


@shared_task(name="workers.returns_cleanup", ignore_result=True)
def returns_cleanup() -> None:
    """Delete uploaded files (personal data) that no batch needs any more (older than a day), and mark
    batches whose worker died mid-run as failed (the import is one transaction, so nothing half-written)."""
    stuck = timezone.now() - timedelta(hours=1)
    returns.batches_move(
        ImportBatch.objects.filter(created_at__lt=stuck),
        [ImportBatch.Status.VALIDATING, ImportBatch.Status.IMPORTING],
        ImportBatch.Status.FAILED,
        finished_at=timezone.now(),
    )
    cutoff = timezone.now() - FILE_TTL
    for batch in ImportBatch.objects.filter(created_at__lt=cutoff).exclude(stored_path=""):
        returns.return_file_discard(batch)  # the upload and the plan its preview kept
        ImportBatch.objects.filter(pk=batch.pk).update(stored_path="")
