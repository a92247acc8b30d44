"""Celery tasks of the installation (issue 21): the beat heartbeat and the nightly backup."""

from celery import shared_task
from django.utils import timezone

from .models import Heartbeat

BEAT = "beat"


@shared_task(name="wanzhou_jobs.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Every minute from beat: /readyz warns when this row grows old (beat, broker or worker stopped)."""
    Heartbeat.objects.update_or_create(name=BEAT, defaults={"beat_at": timezone.now()})


@shared_task(name="wanzhou_jobs.backup_nightly", ignore_result=True)
def backup_nightly() -> None:
    """Nightly from beat: one archive in BACKUP_DIR, then the 7 daily / 4 weekly rotation."""
    from .backup import backup_nightly as run

    run()
