"""The Celery app. Without REDIS_URL, settings make it run tasks eagerly in-process."""

import os

from celery import Celery
from celery.signals import setup_logging, worker_process_init

from .logs import connect_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wanzhou_jobs.settings")

app = Celery("wanzhou_jobs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _django_logging(**_):
    """The worker and beat log through settings.LOGGING (JSON lines) instead of Celery's own format."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


connect_signals()


@worker_process_init.connect
def _yield_to_the_web(**_):
    """Each pool process of the worker runs at a lower CPU priority (`WORKER_NICE`, default 10): on the
    bureau's two cores, imports and recomputes take what the web processes leave, so pages stay quick while
    49 returns are checked at once (bench/deadline.py). An idle web costs the worker nothing."""
    from django.conf import settings

    if settings.WORKER_NICE:
        os.nice(settings.WORKER_NICE)
