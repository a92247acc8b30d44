from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("季度报送")

    def ready(self):
        from targets import audit

        from .models import QuarterReport

        audit.register(QuarterReport)
