"""Two clerks placing one person in public-welfare posts, or enrolling them, at the same moment (PostgreSQL).

The services lock the worker row before checking, so the second transaction waits for the first and then
sees its row: exactly one succeeds, the other gets the clerk's message, never two overlapping rows.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assistance import services
from assistance.models import Enrolment, PostKind, PublicWelfarePost
from targets.services import staff_user_save
from workers.models import Worker
from workers.tests.factories import WorkerFactory
from workers.tests.test_concurrency import run_together, split

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_clerks(township_a):
    return (
        staff_user_save(username="clerk_x1", role="clerk", township="甘宁镇"),
        staff_user_save(username="clerk_x2", role="clerk", township="甘宁镇"),
    )


def test_concurrent_overlapping_posts_one_wins(two_clerks, township_a):
    worker = WorkerFactory(township=township_a)

    def assign(user, start):
        return lambda: services.post_assign(
            acting_user=user,
            worker=Worker.objects.get(pk=worker.pk),
            kind=PostKind.INFORMATION,
            start_date=start,
            monthly_subsidy=Decimal("800"),
        )

    results, errors = split(
        run_together(assign(two_clerks[0], date(2025, 1, 1)), assign(two_clerks[1], date(2025, 3, 1)))
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert "同一人不能同时在两个公益性岗位" in errors[0].messages[0]
    assert PublicWelfarePost.objects.filter(worker_id=worker.pk).count() == 1


def test_concurrent_enrolment_one_wins(two_clerks, township_a):
    worker = WorkerFactory(township=township_a)

    def enrol(user):
        return lambda: services.enrolment_enter(
            acting_user=user,
            worker=Worker.objects.get(pk=worker.pk),
            category="防止返贫致贫对象",
            entry_date=date(2025, 2, 1),
            entry_reason="监测识别",
        )

    results, errors = split(run_together(enrol(two_clerks[0]), enrol(two_clerks[1])))
    assert len(results) == 1 and len(errors) == 1
    assert errors[0].messages == ["此人已在帮扶中（防止返贫致贫对象，2025-02-01 纳入），不能重复纳入。"]
    assert Enrolment.objects.filter(worker_id=worker.pk).count() == 1
