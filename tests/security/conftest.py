"""The 分水镇 person every security crawl looks for: a worker with a household, a job, an import batch, a
subsidy application with an attachment, and assistance records (issue 7, issue 16)."""

from datetime import date

import pytest
from django.test import Client

from targets.models import Industry
from workers.models import ImportBatch
from workers.tests.factories import EmploymentFactory, HouseholdFactory, WorkerFactory, make_id_number

VICTIM_NAME = "冉秋菊"
VICTIM_PHONE = "13912345678"


def _subsidy_and_assistance_rows(worker, job, clerk_b, settings, tmp_path) -> dict:
    """A 分水镇 startup-subsidy application with an attachment, and the person's assistance records."""
    import io
    from decimal import Decimal

    from assistance.models import HealthCheck, IntentionRecord, PensionStandard
    from assistance.tests.factories import (
        EnrolmentFactory,
        PostFactory,
        RecognitionFactory,
        ServiceRecordFactory,
    )
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
        "recognition": RecognitionFactory(worker=worker),
        # The year's pension standard, so the victim (an enrolled 特困人员) is on the 代缴 list and its files.
        "pension_standard": PensionStandard.objects.create(year=2026, lowest_tier=Decimal("200")),
        "intention": IntentionRecord.objects.create(
            worker=worker, recorded_on=date(2025, 2, 1), wants_work="yes", job_intention=VICTIM_NAME
        ),
        "health_check": HealthCheck.objects.create(
            worker=worker, date=date(2025, 2, 1), provider="区人民医院"
        ),
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
    rows.update(_monitoring_rows(worker, clerk_b))
    return rows


def _monitoring_rows(worker, user) -> dict:
    """An applied monitoring list with the person on it, and a pending one without: confirming it would exit
    the person (issue 26)."""
    from monitoring.models import MonitoringEntry, MonitoringList

    applied = MonitoringList.objects.create(
        list_date=date(2026, 6, 30),
        file_name="名单.xlsx",
        file_sha256="0" * 64,
        status="applied",
        uploaded_by=user,
    )
    MonitoringEntry.objects.create(
        snapshot=applied,
        row_number=2,
        household_number=worker.household.number,
        head_name=worker.name,
        name=worker.name,
        id_number=worker.id_number,
        category="防止返贫致贫对象",
        township=worker.township,
        worker=worker,
    )
    pending = MonitoringList.objects.create(
        list_date=date(2026, 9, 30), file_name="名单2.xlsx", file_sha256="1" * 64, uploaded_by=user
    )
    return {"monitoring_list": applied, "monitoring_pending": pending}


#: Every role the system knows, as the table names them. The victim lives in 分水镇 (township B) and works
#: in manufacturing (industry X).
ROLES = (
    "clerk_a",  # clerk of 甘宁镇
    "clerk_a2",  # a second clerk of 甘宁镇
    "clerk_b",  # clerk of 分水镇
    "industry_x",  # industry department of 制造业
    "industry_y",  # industry department of 建筑业
    "reviewer",
    "bureau",
    "unassigned",  # staff user without assignment
    "must_change",  # clerk of 分水镇 who has not yet changed the first password
    "api_masked",  # city system, masked
    "api_unmasked",  # city system with read_unmasked
)


@pytest.fixture
def roles(township_a, township_b, clerk_a, clerk_b, industry_user, reviewer_user, bureau_user, victim):
    """A logged-in client per role (API clients carry their token header)."""
    from django.contrib.auth import get_user_model

    from conftest import STRONG_PASSWORD, _user, login_request
    from targets.api import api_client_create
    from targets.models import StaffAssignment

    victim["employment"].industry = Industry.objects.get(name="制造业")
    victim["employment"].save(update_fields=["industry"])
    users = {
        "clerk_a": clerk_a,
        "clerk_a2": _user("clerk_a2", "clerk", township="甘宁镇"),
        "clerk_b": clerk_b,
        "industry_x": industry_user,
        "industry_y": _user("industry_con", "industry", industries=["建筑业"]),
        "reviewer": reviewer_user,
        "bureau": bureau_user,
        "unassigned": get_user_model().objects.create_user("nobody", password=STRONG_PASSWORD, is_staff=True),
        "must_change": _user("clerk_b_new", "clerk", township="分水镇"),
    }
    StaffAssignment.objects.filter(user=users["must_change"]).update(must_change_password=True)
    clients = {}
    for role, user in users.items():
        client = Client()
        assert client.login(request=login_request(), username=user.username, password=STRONG_PASSWORD), role
        clients[role] = client
    for role, unmasked in (("api_masked", False), ("api_unmasked", True)):
        _client, token = api_client_create(name=role, unmasked=unmasked)
        clients[role] = Client(HTTP_AUTHORIZATION=f"Token {token}")
    return clients
