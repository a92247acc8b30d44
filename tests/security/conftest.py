"""The 分水镇 person every security crawl looks for: a worker with a household, a job, an import batch, a
subsidy application with an attachment, and assistance records (issue 7, issue 16)."""

from datetime import date

import pytest

from workers.models import ImportBatch
from workers.tests.factories import EmploymentFactory, HouseholdFactory, WorkerFactory, make_id_number

VICTIM_NAME = "冉秋菊"
VICTIM_PHONE = "13912345678"


def _subsidy_and_assistance_rows(worker, job, clerk_b, settings, tmp_path) -> dict:
    """A 分水镇 startup-subsidy application with an attachment, and the person's assistance records."""
    import io
    from decimal import Decimal

    from assistance.tests.factories import EnrolmentFactory, PostFactory, ServiceRecordFactory
    from subsidies import services as subsidy_services
    from subsidies.models import ApplicantType, SubsidyKind
    from subsidies.tests.conftest import make_credit_code
    from workers.models import EmploymentForm
    from workers.tests.factories import EmployerFactory

    settings.SUBSIDY_ATTACHMENT_ROOT = tmp_path / "attachments"
    own_business = EmploymentFactory(
        worker=worker,
        employer=EmployerFactory(credit_code=make_credit_code()),
        form=EmploymentForm.SELF_EMPLOYED,
        start_date=date(2025, 3, 1),
    )
    application = subsidy_services.application_create(
        acting_user=clerk_b,
        data=subsidy_services.ApplicationData(
            kind=SubsidyKind.objects.get(code="startup"),
            year=2025,
            applicant_type=ApplicantType.WORKER,
            worker=worker,
            employment=own_business,
            amount_requested=Decimal("5000"),
        ),
    )
    attachment = subsidy_services.attachment_add(
        acting_user=clerk_b,
        application=application,
        # The name inside the file: a download by the wrong clerk shows up as a leak like any page.
        file_obj=io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32 + VICTIM_NAME.encode()),
        file_name=f"{VICTIM_NAME}.png",
    )
    return {
        "application": application,
        "attachment": attachment,
        "enrolment": EnrolmentFactory(worker=worker),
        "service": ServiceRecordFactory(worker=worker),
        "post": PostFactory(worker=worker),
    }


@pytest.fixture
def victim(township_b, clerk_b, settings, tmp_path):
    """A 分水镇 person with a household, a job, an import batch, and any 分水镇 row the other apps hold."""
    household = HouseholdFactory(township=township_b, head_name=VICTIM_NAME)
    worker = WorkerFactory(
        township=township_b,
        name=VICTIM_NAME,
        phone=VICTIM_PHONE,
        household=household,
        id_number=make_id_number(date(1979, 3, 8)),
    )
    job = EmploymentFactory(worker=worker, start_date=date(2026, 2, 1))
    batch = ImportBatch.objects.create(
        township=township_b,
        year=2026,
        quarter=1,
        file_name=f"{VICTIM_NAME}.xlsx",
        file_sha256="0" * 64,
        status=ImportBatch.Status.REJECTED,
        errors=[{"row": 2, "column": "姓名", "value": VICTIM_NAME, "message": "x"}],
        uploaded_by=clerk_b,
    )
    rows = {"worker": worker, "employment": job, "household": household, "batch": batch}
    rows.update(_subsidy_and_assistance_rows(worker, job, clerk_b, settings, tmp_path))
    return rows
