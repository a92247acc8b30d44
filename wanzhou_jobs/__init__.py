"""万州区农民工就近就业目标管理系统 — project package.

Loading the Celery app here makes ``@shared_task`` bind to it in every process.
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
