"""Celery tasks of the reporting app: thin wrappers (issue 23)."""

from celery import shared_task


@shared_task(name="reporting.notifications_sweep", ignore_result=True)
def notifications_sweep() -> None:
    """Daily: deadline and overdue notices, expiring unlocks, the monthly lagging notice; then the emails."""
    from .notifications import notifications_sweep as sweep

    sweep()
