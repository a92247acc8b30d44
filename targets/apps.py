from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("目标任务")

    def ready(self):
        from . import audit
        from .models import (
            ApiClient,
            IndustryTarget,
            KeyTaskTarget,
            QuarterLock,
            QuarterUnlockException,
            StaffAssignment,
            TownshipTarget,
        )

        for model in (
            TownshipTarget,
            IndustryTarget,
            KeyTaskTarget,
            QuarterLock,
            QuarterUnlockException,
            StaffAssignment,
        ):
            audit.register(model)
        audit.register(ApiClient, exclude_fields=("token_hash", "last_used_at"))
