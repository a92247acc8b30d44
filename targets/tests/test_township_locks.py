"""A township's own lock and its time-boxed unlock exception (issue 23, items 3-4; DESIGN.md §4.8).

The approval of a township's quarterly submission locks that quarter for that township only: its jobs of
the quarter are refused, other townships' are not. An exception opens it for one named clerk until a date;
beat closes it after the date, once."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from targets.models import Industry, QuarterLock, QuarterLockEvent, QuarterUnlockException
from targets.services import (
    EXCEPTION_NEEDS_CLERK,
    EXCEPTION_NEEDS_LOCK,
    QUARTER_LOCKED,
    locked_quarters,
    quarter_exception_grant,
    quarter_exceptions_close,
    quarter_lock,
)
from targets.tasks import quarter_exceptions_close as close_task
from workers.models import Workplace
from workers.services import EmploymentData, employment_record
from workers.tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db


def _job(start: date) -> EmploymentData:
    return EmploymentData(
        employer_name="万州锁定测试有限公司",
        industry=Industry.objects.get(code="02"),
        workplace=Workplace.OUT_OF_CITY,
        workplace_township=None,
        form="单位就业",
        start_date=start,
    )


@pytest.fixture
def locked_a(bureau_user, township_a):
    return quarter_lock(acting_user=bureau_user, year=2026, quarter=1, township=township_a, reason="审核通过")


def test_a_township_lock_refuses_that_townships_jobs_only(locked_a, clerk_a, clerk_b, township_a, township_b):
    person_a = WorkerFactory(township=township_a)
    person_b = WorkerFactory(township=township_b)
    with pytest.raises(ValidationError) as refused:
        employment_record(acting_user=clerk_a, worker=person_a, data=_job(date(2026, 2, 3)))
    assert refused.value.messages == [QUARTER_LOCKED.format(year=2026, quarter=1)]
    employment_record(acting_user=clerk_b, worker=person_b, data=_job(date(2026, 2, 3)))
    employment_record(acting_user=clerk_a, worker=person_a, data=_job(date(2026, 4, 3)))  # Q2 is open
    assert locked_quarters(township_ids=[township_a.pk]) == {(2026, 1)}
    assert locked_quarters(township_ids=[township_b.pk]) == set()
    assert str(locked_a) == "甘宁镇 2026年第1季度"


def test_district_and_township_locks_of_one_quarter_coexist(locked_a, bureau_user):
    quarter_lock(acting_user=bureau_user, year=2026, quarter=1)
    assert QuarterLock.objects.filter(year=2026, quarter=1).count() == 2


def test_an_exception_opens_the_quarter_for_the_named_clerk_until_the_date(
    locked_a, bureau_user, clerk_a, township_a
):
    person = WorkerFactory(township=township_a)
    today = timezone.localdate()
    other_clerk = _other_clerk_of(township_a)
    quarter_exception_grant(
        acting_user=bureau_user,
        township=township_a,
        year=2026,
        quarter=1,
        clerk=clerk_a,
        until=today + timedelta(days=1),
        reason="补录两名遗漏人员",
    )
    employment_record(acting_user=clerk_a, worker=person, data=_job(date(2026, 2, 3)))
    with pytest.raises(ValidationError):  # only the named clerk
        employment_record(acting_user=other_clerk, worker=person, data=_job(date(2026, 2, 4)))
    assert locked_quarters(township_ids=[township_a.pk], acting_user=clerk_a) == set()

    # Time moves past the date: beat closes it, once; the quarter is frozen again.
    assert quarter_exceptions_close(today=today + timedelta(days=1)) == []  # the last day is still open
    closed = quarter_exceptions_close(today=today + timedelta(days=2))
    assert len(closed) == 1 and quarter_exceptions_close(today=today + timedelta(days=2)) == []
    assert QuarterUnlockException.objects.get().closed_at is not None
    actions = list(QuarterLockEvent.objects.filter(township=township_a).values_list("action", flat=True))
    assert sorted(actions) == ["close", "lock", "open"]
    with pytest.raises(ValidationError):
        employment_record(acting_user=clerk_a, worker=person, data=_job(date(2026, 2, 5)))


def test_an_expired_exception_no_longer_opens_even_before_beat(locked_a, bureau_user, clerk_a, township_a):
    exception = quarter_exception_grant(
        acting_user=bureau_user,
        township=township_a,
        year=2026,
        quarter=1,
        clerk=clerk_a,
        until=timezone.localdate(),
        reason="补录",
    )
    QuarterUnlockException.objects.filter(pk=exception.pk).update(
        until=timezone.localdate() - timedelta(days=1)
    )
    close_task.delay()
    assert QuarterUnlockException.objects.get().closed_at is not None


def test_an_exception_needs_a_lock_and_a_clerk_of_the_township(
    bureau_user, clerk_a, clerk_b, township_a, locked_a
):
    until = timezone.localdate() + timedelta(days=3)
    with pytest.raises(ValidationError) as refused:
        quarter_exception_grant(
            acting_user=bureau_user,
            township=township_a,
            year=2026,
            quarter=2,
            clerk=clerk_a,
            until=until,
            reason="x",
        )
    assert refused.value.messages == [EXCEPTION_NEEDS_LOCK.format(township=township_a, year=2026, quarter=2)]
    with pytest.raises(ValidationError) as refused:
        quarter_exception_grant(
            acting_user=bureau_user,
            township=township_a,
            year=2026,
            quarter=1,
            clerk=clerk_b,
            until=until,
            reason="x",
        )
    assert refused.value.messages == [EXCEPTION_NEEDS_CLERK.format(township=township_a)]
    assert not QuarterUnlockException.objects.exists()


def _other_clerk_of(township):
    from conftest import STRONG_PASSWORD
    from targets.services import staff_user_save

    return staff_user_save(
        username="clerk_a2", role="clerk", township=township.name, password=STRONG_PASSWORD
    )


def test_the_admin_unlock_action_unlocks_a_township_lock(login, bureau_user, locked_a, township_a):
    from django.urls import reverse

    response = login(bureau_user).post(
        reverse("admin:targets_quarterlock_changelist"),
        {"action": "unlock", "_selected_action": [locked_a.pk], "reason": "审核有误，重新报送"},
    )
    assert response.status_code == 302
    assert not QuarterLock.objects.exists()
    event = QuarterLockEvent.objects.get(action="unlock")
    assert (event.township, event.reason) == (township_a, "审核有误，重新报送")


def test_the_person_page_freezes_a_township_locked_job_unless_the_clerk_holds_an_exception(
    login, bureau_user, clerk_a, locked_a, township_a
):
    from django.urls import reverse

    from workers.tests.factories import EmploymentFactory

    worker = WorkerFactory(township=township_a)
    EmploymentFactory(worker=worker, start_date=date(2026, 2, 10), channel="")
    url = reverse("admin:workers_worker_change", args=[worker.pk])
    body = login(clerk_a).get(url).content.decode()
    assert "此人有 1 条就业记录开始于已锁定的季度（2026年第1季度）" in body
    assert "disabled" in body.split('name="employments-0-channel"')[1][:200]

    quarter_exception_grant(
        acting_user=bureau_user,
        township=township_a,
        year=2026,
        quarter=1,
        clerk=clerk_a,
        until=timezone.localdate(),
        reason="补录",
    )
    body = login(clerk_a).get(url).content.decode()
    assert "此人有 1 条就业记录开始于已锁定的季度" not in body
    assert "disabled" not in body.split('name="employments-0-channel"')[1][:200]
