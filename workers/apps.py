from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("实名台账")

    def ready(self):
        from targets import audit

        from .models import Employment, Household, ImportBatch, Worker

        audit.register(Worker, mask_fields=("id_number", "phone"))
        audit.register(Household)
        audit.register(Employment)
        audit.register(
            ImportBatch,
            exclude_fields=("errors", "warnings", "stored_path", "rows_processed", "attempts", "finished_at"),
        )
