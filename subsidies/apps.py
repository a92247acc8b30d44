from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("补贴")

    def ready(self):
        from targets import audit
        from targets.services import reference_loader

        from .models import Application, ApplicationWorker, Attachment, Payment, SubsidyKind, SubsidyKindYear
        from .services import subsidy_kinds_load

        # `load_reference_data` loads the subsidy kinds through the hook `targets` offers to the apps that
        # build on it, so `targets` never imports `subsidies` (STYLE.md: dependencies run one way).
        reference_loader(subsidy_kinds_load)
        for model in (SubsidyKind, SubsidyKindYear, Application, ApplicationWorker, Payment):
            audit.register(model)
        audit.register(Attachment, exclude_fields=("stored_name",))
