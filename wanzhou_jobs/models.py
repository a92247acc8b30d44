"""Operations records of the installation itself (issue 21): no domain data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a periodic process proved itself alive: beat enqueues `wanzhou_jobs.heartbeat` every
    minute and a worker stores the time here, so one row shows that beat, broker and worker all run."""

    name = models.CharField(_("名称"), max_length=40, primary_key=True)
    beat_at = models.DateTimeField(_("最近一次"))

    class Meta:
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"
