"""The Celery app. Without REDIS_URL, settings make it run tasks eagerly in-process."""

import os

from celery import Celery
from celery.signals import setup_logging

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
