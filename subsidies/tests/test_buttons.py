"""Buttons that would be refused are shown disabled with the reason; the review queue's tabs carry counts
and open on what waits; the public notice of a hiring subsidy lists its people (issue 18, item 8)."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from subsidies import services
from subsidies.models import Application
from subsidies.services.payments import NOTICE_NOT_OVER
from subsidies.services.review import OWN_SUBMISSION, OWN_TOWNSHIP_REVIEW

from .conftest import advance, entrepreneur, make_credit_code, startup_data

pytestmark = pytest.mark.django_db


def _buttons(body: str) -> dict[str, str]:
    """label → "link" or "disabled" for the move buttons of a detail page."""
    found = {}
    for label in re.findall(r'<a class="button" href="/subsidies/\d+/\w+/">([^<]+)</a>', body):
        found[label] = "link"
    for label in re.findall(r'<button type="button" class="button" disabled[^>]*>([^<]+)</button>', body):
        found[label] = "disabled"
    return found


@pytest.fixture
def application(kinds, clerk_a, household_a, township_a):
    worker, job = entrepreneur(township_a, household_a)
    return services.application_create(acting_user=clerk_a, data=startup_data(kinds, worker, job, 6000))


def test_four_eyes_buttons_are_disabled_with_the_reason(login, client, application, clerk_a, bureau_user):
    services.application_submit(acting_user=clerk_a, application=application)
    body = login(clerk_a).get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    assert _buttons(body)["镇街初审通过"] == "disabled" and str(OWN_SUBMISSION) in body
    client.logout()
    other = login(bureau_user).get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    assert _buttons(other)["镇街初审通过"] == "link" and str(OWN_SUBMISSION) not in other
    client.logout()
    services.application_township_approve(acting_user=bureau_user, application=application)
    again = login(bureau_user).get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    assert _buttons(again)["区级审核通过"] == "disabled" and str(OWN_TOWNSHIP_REVIEW) in again


def test_the_notice_cannot_end_before_its_period(
    login, application, clerk_a, clerk_a2, reviewer_user, reviewer2
):
    advance(application, clerk=clerk_a, township_reviewer=clerk_a2, district_reviewer=reviewer_user)
    application = services.application_notice_start(acting_user=reviewer2, application=application)
    client = login(reviewer2)
    body = client.get(reverse("subsidies:detail", args=[application.pk])).content.decode()
    assert _buttons(body)["公示期满，转待发放"] == "disabled"
    assert str(NOTICE_NOT_OVER.format(end=application.notice_end)) in body
    Application.objects.filter(pk=application.pk).update(notice_end=timezone.localdate() - timedelta(days=1))
    assert (
        _buttons(client.get(reverse("subsidies:detail", args=[application.pk])).content.decode())[
            "公示期满，转待发放"
        ]
        == "link"
    )


def test_queue_tabs_count_and_open_on_what_waits(login, application, clerk_a, clerk_a2, reviewer_user):
    services.application_submit(acting_user=clerk_a, application=application)
    client = login(reviewer_user)
    body = client.get(reverse("subsidies:review")).content.decode()
    # Nothing waits for the district review: the queue opens on the submitted one.
    assert re.search(
        r'class="toggle on" href="\?status=submitted" aria-current="page">已提交 <span class="count">1</span>',
        body,
    )
    assert application.number in body
    services.application_township_approve(acting_user=clerk_a2, application=application)
    body = client.get(reverse("subsidies:review")).content.decode()
    assert re.search(
        r'class="toggle on" href="\?status=township_approved"[^>]*>[^<]+<span class="count">1</span>', body
    )
    assert re.search(r'href="\?status=submitted">已提交 <span class="count">0</span>', body)


def test_the_notice_of_a_hiring_subsidy_lists_its_people(
    login, kinds, clerk_a, clerk_a2, reviewer_user, reviewer2, township_a, bureau_user
):
    from workers.tests.factories import EmployerFactory, EmploymentFactory, WorkerFactory

    employer = EmployerFactory(credit_code=make_credit_code())
    people = [WorkerFactory(township=township_a, name=n) for n in ("公示甲", "公示乙")]
    for worker in people:
        EmploymentFactory(worker=worker, employer=employer, start_date=date(2025, 4, 1))
    login(clerk_a).post(
        reverse("subsidies:create", args=["hiring"]),
        {
            "year": 2025,
            "applicant_type": "employer",
            "employer_ref": employer.credit_code,
            "township": township_a.pk,
            "lines_text": f"{people[0].id_number} 1000\n{people[1].id_number} 800\n",
        },
    )
    application = Application.objects.get()
    advance(application, clerk=clerk_a, township_reviewer=clerk_a2, district_reviewer=reviewer_user)
    services.application_notice_start(acting_user=reviewer2, application=application)
    body = login(bureau_user).get(reverse("subsidies:notice")).content.decode()
    for worker, amount in zip(people, ("1,000", "800"), strict=True):
        assert worker.name in body and worker.masked_id_number in body and worker.id_number not in body
        assert amount in body
    application.refresh_from_db()
    assert application.amount_approved == Decimal("1800")
