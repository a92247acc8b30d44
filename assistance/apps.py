from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("就业帮扶")

    def ready(self):
        from targets.services import _EXTRA_LOADERS, reference_loader

        from . import services

        if services.brands_load not in _EXTRA_LOADERS:
            reference_loader(services.brands_load)
        if services.carriers_load not in _EXTRA_LOADERS:
            reference_loader(services.carriers_load)
        from targets import audit

        from .models import (
            Carrier,
            Course,
            DifficultyStandard,
            Enrolment,
            FollowUpRecord,
            HealthCheck,
            IntentionRecord,
            LabourBrand,
            Participation,
            PensionStandard,
            PublicWelfarePost,
            Recognition,
            RecruitmentEvent,
            RegisterEntry,
            ServiceRecord,
        )

        for model in (
            Enrolment,
            ServiceRecord,
            PublicWelfarePost,
            Course,
            Participation,
            RecruitmentEvent,
            LabourBrand,
            Carrier,
            Recognition,
            DifficultyStandard,
            PensionStandard,
            FollowUpRecord,
            IntentionRecord,
            RegisterEntry,
            HealthCheck,
        ):
            audit.register(model)
