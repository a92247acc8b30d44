"""The first screen answers "what do I need to do now?" for each role (issue 18, Also)."""

from datetime import date

import pytest
from django.urls import reverse

from subsidies import services as subsidy_services
from workers.models import ImportBatch

pytestmark = pytest.mark.django_db


def test_the_clerks_first_screen_lists_missing_returns_1131_and_drafts(login, clerk_a, township_a, settings):
    from assistance.tests.factories import EnrolmentFactory
    from workers.tests.factories import WorkerFactory

    EnrolmentFactory(worker=WorkerFactory(township=township_a))
    body = login(clerk_a).get(reverse("home")).content.decode()
    todo = body.split('id="todo"')[1].split("</ul>")[0]
    year = date.today().year
    # Every ended quarter of this year is missing (none was imported): listed, overdue or with its deadline.
    ended = (date.today().month - 1) // 3
    for quarter in range(1, ended + 1):
        assert f"{year}年第{quarter}季度报表尚未报送" in todo
    assert "“1131”帮扶未完成 1 人" in todo


def test_a_submitted_quarter_leaves_the_list(login, clerk_a, township_a):
    year = date.today().year
    ended = (date.today().month - 1) // 3
    if not ended:
        pytest.skip("no quarter of this year has ended yet")
    ImportBatch.objects.create(
        township=township_a, year=year, quarter=1, file_name="q1.xlsx", file_sha256="2" * 64,
        status=ImportBatch.Status.IMPORTED, uploaded_by=clerk_a,
    )  # fmt: skip
    todo = login(clerk_a).get(reverse("home")).content.decode().split('id="todo"')[1].split("</ul>")[0]
    assert f"{year}年第1季度报表尚未报送" not in todo


def test_the_reviewers_first_screen_counts_the_queue(login, reviewer_user, clerk_a, clerk_b, township_a):
    from subsidies.models import SubsidyKind
    from subsidies.tests.conftest import entrepreneur, startup_data
    from workers.tests.factories import HouseholdFactory

    kinds = {k.code: k for k in SubsidyKind.objects.all()}
    worker, job = entrepreneur(township_a, HouseholdFactory(township=township_a))
    application = subsidy_services.application_create(
        acting_user=clerk_a, data=startup_data(kinds, worker, job, 5000)
    )
    subsidy_services.application_submit(acting_user=clerk_a, application=application)
    subsidy_services.application_township_approve(acting_user=reviewer_user, application=application)
    todo = login(reviewer_user).get(reverse("home")).content.decode().split('id="todo"')[1].split("</ul>")[0]
    assert "镇街初审通过：1 件" in todo and "?status=township_approved" in todo
