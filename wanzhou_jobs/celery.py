"""The Celery app. Without REDIS_URL, settings make it run tasks eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wanzhou_jobs.settings")

app = Celery("wanzhou_jobs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
