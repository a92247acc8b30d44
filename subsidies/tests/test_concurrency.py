"""Parallel approvals on PostgreSQL (issue 8): caps hold however many reviewers click at once.

Each case runs twice: with both threads released together by a barrier, and with the race forced — a second
barrier holds both threads after they locked their own application and checked its status, just before they
take the kind's lock and count what is committed, so the lock (not luck) has to decide.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from subsidies import services
from subsidies.models import Application, Status
from subsidies.services import review as review_services
from workers.tests.test_concurrency import run_together, split

from .conftest import entrepreneur, startup_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 20


def hold_before_caps(monkeypatch, parties: int = 2) -> None:
    import threading

    barrier = threading.Barrier(parties)
    # The district approval looks `_ensure_not_submitter` up in `services.review`: patch it there.
    original = review_services._ensure_not_submitter

    def waiting(*args, **kwargs):
        result = original(*args, **kwargs)
        barrier.wait(timeout=TIMEOUT)
        return result

    monkeypatch.setattr(review_services, "_ensure_not_submitter", waiting)


def township_approved(kinds, clerk, township_reviewer, worker, job, amount):
    application = services.application_create(
        acting_user=clerk, data=startup_data(kinds, worker, job, amount)
    )
    services.application_submit(acting_user=clerk, application=application)
    services.application_township_approve(acting_user=township_reviewer, application=application)
    return application


@pytest.mark.parametrize("forced", [False, True], ids=["barrier", "forced-race"])
def test_two_approvals_that_together_exceed_the_entity_cap(
    monkeypatch, kinds, clerk_a, clerk_a2, reviewer_user, reviewer2, household_a, township_a, forced
):
    # Two claims for one market entity (the 户 of "最高8000元/户", issue 20).
    founder, job = entrepreneur(township_a, household_a)
    a = township_approved(kinds, clerk_a, clerk_a2, founder, job, 5000)
    b = township_approved(kinds, clerk_a, clerk_a2, founder, job, 5000)
    if forced:
        hold_before_caps(monkeypatch)

    outcomes = run_together(
        lambda: services.application_district_approve(acting_user=reviewer_user, application=a),
        lambda: services.application_district_approve(acting_user=reviewer2, application=b),
    )
    results, errors = split(outcomes)
    assert len(results) == 1 and len(errors) == 1, outcomes
    assert type(errors[0]) is ValidationError, repr(errors[0])
    assert "已核定 5,000 元，尚可 3,000 元，本次 5,000 元" in errors[0].messages[0]
    approved = Application.objects.filter(status=Status.DISTRICT_APPROVED)
    assert approved.count() == 1
    assert sum(x.amount_approved for x in approved) == Decimal("5000") <= Decimal("8000")
    assert Application.objects.filter(status=Status.TOWNSHIP_APPROVED).count() == 1


@pytest.mark.parametrize("forced", [False, True], ids=["barrier", "forced-race"])
def test_two_approvals_within_the_budget_only_once(
    monkeypatch, kinds, clerk_a, clerk_a2, reviewer_user, reviewer2, household_a, township_a, forced
):
    from subsidies.models import SubsidyKindYear
    from workers.tests.factories import HouseholdFactory

    SubsidyKindYear.objects.filter(kind=kinds["startup"], year=2025).update(budget=Decimal("10000"))
    first, first_job = entrepreneur(township_a, household_a)
    second, second_job = entrepreneur(township_a, HouseholdFactory(township=township_a))
    a = township_approved(kinds, clerk_a, clerk_a2, first, first_job, 6000)
    b = township_approved(kinds, clerk_a, clerk_a2, second, second_job, 6000)
    if forced:
        hold_before_caps(monkeypatch)
    outcomes = run_together(
        lambda: services.application_district_approve(acting_user=reviewer_user, application=a),
        lambda: services.application_district_approve(acting_user=reviewer2, application=b),
    )
    results, errors = split(outcomes)
    assert len(results) == 1 and len(errors) == 1, outcomes
    assert "超出年度预算" in errors[0].messages[0] and "剩余 4,000 元" in errors[0].messages[0]
    assert Application.objects.filter(status=Status.DISTRICT_APPROVED).count() == 1


def test_the_same_application_is_not_approved_twice_in_parallel(
    kinds, clerk_a, clerk_a2, reviewer_user, reviewer2, household_a, township_a
):
    worker, job = entrepreneur(township_a, household_a)
    application = township_approved(kinds, clerk_a, clerk_a2, worker, job, 1000)
    outcomes = run_together(
        lambda: services.application_district_approve(acting_user=reviewer_user, application=application),
        lambda: services.application_district_approve(acting_user=reviewer2, application=application),
    )
    results, errors = split(outcomes)
    assert len(results) == 1 and len(errors) == 1, outcomes
    assert errors[0].messages == ["该申请当前状态为“区级审核通过”，不能区级审核。"]
    assert application.events.filter(action="district_approve").count() == 1
