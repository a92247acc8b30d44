from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("季度报送")

    def ready(self):
        from targets import audit

        from .models import QuarterReport

        audit.register(QuarterReport)

        from django.db.models.signals import post_save

        from targets.models import QuarterLockEvent

        post_save.connect(
            _reopen_on_unlock, sender=QuarterLockEvent, dispatch_uid="reporting-reopen-on-unlock"
        )


def _reopen_on_unlock(sender, instance, created, **kwargs):
    """A township's quarter unlocked by bureau staff reopens its approved report (services.report_reopen_on_unlock)."""
    if created and instance.action == instance.Action.UNLOCK and instance.township_id is not None:
        from .services import report_reopen_on_unlock

        report_reopen_on_unlock(
            acting_user=instance.user,
            township_id=instance.township_id,
            year=instance.year,
            quarter=instance.quarter,
            reason=instance.reason,
        )
