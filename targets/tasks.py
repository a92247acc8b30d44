"""Celery tasks of the targets app: thin wrappers, ids and plain values in (never personal data)."""

from celery import shared_task
from django.core.cache import cache

from . import progress
from .models import Township

NIGHTLY_LOCK_KEY = "lock:progress-nightly"


@shared_task(name="targets.worker_ping", ignore_result=True)
def worker_ping(token: str) -> None:
    """Health check through broker, worker, database and cache: stores the township count under the token."""
    cache.set(f"worker-ping:{token}", Township.objects.count(), timeout=300)


@shared_task(name="targets.progress_sweep", ignore_result=True, acks_late=True)
def progress_sweep() -> None:
    """Recompute the years waiting in the outbox (after saves, and every minute from beat)."""
    progress.progress_sweep()


@shared_task(name="targets.progress_recompute_all", ignore_result=True)
def progress_recompute_all() -> None:
    """The nightly full recompute. A second beat process enqueueing it the same night finds the lock."""
    if not cache.add(NIGHTLY_LOCK_KEY, "1", timeout=6 * 3600):
        return
    progress.progress_recompute_all()


@shared_task(name="targets.audit_prune", ignore_result=True)
def audit_prune() -> None:
    """Daily: delete audit entries and API access records past their retention (never below the minimums)."""
    from .audit import audit_prune as prune

    prune()


@shared_task(name="targets.quarter_exceptions_close", ignore_result=True)
def quarter_exceptions_close() -> None:
    """Hourly: close the unlock exceptions whose date has passed (issue 23, item 4)."""
    from .services import quarter_exceptions_close as close

    close()
