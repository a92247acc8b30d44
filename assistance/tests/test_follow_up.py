"""Issue 20, item 6: after exit. Seed 004 §二: "对已消除风险的防止返贫致贫对象和继续帮扶对象，按程序规范有序退出帮扶范围，
做好后续跟踪服务". People who left stay on the follow-up list (default 12 months, configurable), with follow-up
records, and an alert when they lose work: their last job ends and no new one starts within 30 days."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from assistance import selectors, services
from assistance.models import Enrolment, ExitReason, FollowUpRecord
from workers.tests.factories import EmploymentFactory, WorkerFactory

pytestmark = pytest.mark.django_db


def _exited(clerk, township, *, exit_day=date(2026, 1, 15), months=None, reason=ExitReason.RISK_ELIMINATED):
    person = WorkerFactory(township=township)
    enrolment = services.enrolment_enter(
        acting_user=clerk,
        worker=person,
        category="防止返贫致贫对象",
        entry_date=date(2025, 3, 1),
        entry_reason="监测",
    )
    return services.enrolment_exit(
        acting_user=clerk,
        enrolment=enrolment,
        exit_date=exit_day,
        exit_reason=reason,
        follow_up_months=months,
    )


def _listed(on, **kw):
    return {e.pk: e for e in selectors.follow_up_people(as_of=on, **kw)}


def test_default_twelve_months_then_off_the_list(clerk_a, township_a):
    enrolment = _exited(clerk_a, township_a)
    assert enrolment.follow_up_until == date(2027, 1, 15)
    assert enrolment.pk in _listed(date(2027, 1, 15))
    assert enrolment.pk not in _listed(date(2027, 1, 16))
    assert enrolment.pk not in _listed(date(2026, 1, 14))  # not yet exited


def test_period_is_configurable_and_a_death_has_none(clerk_a, township_a, settings):
    assert _exited(clerk_a, township_a, months=6).follow_up_until == date(2026, 7, 15)
    settings.ASSISTANCE_FOLLOW_UP_MONTHS = 24
    assert _exited(clerk_a, township_a).follow_up_until == date(2028, 1, 15)
    assert _exited(clerk_a, township_a, reason=ExitReason.DECEASED).follow_up_until is None
    with pytest.raises(ValidationError) as exc:
        _exited(clerk_a, township_a, months=37)
    assert exc.value.message_dict["follow_up_months"] == [services.FOLLOW_UP_MONTHS_INVALID]


def test_re_entry_takes_the_person_off_the_list(clerk_a, township_a):
    enrolment = _exited(clerk_a, township_a)
    services.enrolment_enter(
        acting_user=clerk_a,
        worker=enrolment.worker,
        category="防止返贫致贫对象",
        entry_date=date(2026, 3, 1),
        entry_reason="返贫风险",
    )
    assert enrolment.pk in _listed(date(2026, 2, 28))
    assert enrolment.pk not in _listed(date(2026, 3, 1))


def test_lost_work_alert_after_30_days_without_a_new_job(clerk_a, township_a):
    enrolment = _exited(clerk_a, township_a)
    job = EmploymentFactory(worker=enrolment.worker, start_date=date(2025, 6, 1), end_date=date(2026, 3, 31))
    assert _listed(date(2026, 3, 31))[enrolment.pk].employed_now is True
    on_30th_day = _listed(date(2026, 4, 30))[enrolment.pk]
    assert (on_30th_day.employed_now, on_30th_day.lost_work) == (False, False)
    on_31st_day = _listed(date(2026, 5, 1))[enrolment.pk]
    assert (on_31st_day.lost_work, on_31st_day.last_job_end) == (True, job.end_date)
    assert list(_listed(date(2026, 5, 1), township_ids=[township_a.pk])) == [enrolment.pk]


def test_a_new_job_within_30_days_means_no_alert(clerk_a, township_a):
    enrolment = _exited(clerk_a, township_a)
    EmploymentFactory(worker=enrolment.worker, start_date=date(2025, 6, 1), end_date=date(2026, 3, 31))
    EmploymentFactory(worker=enrolment.worker, start_date=date(2026, 4, 30), end_date=date(2026, 5, 10))
    # The new job ended too: the alert counts 30 days from its end, not from the first job's.
    assert _listed(date(2026, 6, 9))[enrolment.pk].lost_work is False
    assert _listed(date(2026, 6, 10))[enrolment.pk].lost_work is True


def test_a_job_that_ended_before_the_exit_is_no_alert(clerk_a, township_a):
    enrolment = _exited(clerk_a, township_a)
    EmploymentFactory(worker=enrolment.worker, start_date=date(2025, 6, 1), end_date=date(2025, 12, 31))
    assert _listed(date(2026, 6, 1))[enrolment.pk].lost_work is False


def test_follow_up_records_inside_the_period_only(client, clerk_a, clerk_b, township_a):
    enrolment = _exited(clerk_a, township_a, months=6)
    record = services.follow_up_record(
        acting_user=clerk_a, enrolment=enrolment, date=date(2026, 2, 1), note="电话回访，在岗"
    )
    assert (record.created_by, _listed(date(2026, 2, 2))[enrolment.pk].last_follow_up) == (
        clerk_a,
        date(2026, 2, 1),
    )
    with pytest.raises(ValidationError) as exc:
        services.follow_up_record(
            acting_user=clerk_a, enrolment=enrolment, date=date(2026, 7, 16), note="回访"
        )
    assert exc.value.message_dict["date"] == [
        services.FOLLOW_UP_DATE_OUTSIDE.format(exit=date(2026, 1, 15), until=date(2026, 7, 15))
    ]
    url = reverse("assistance:follow_up_add", args=[enrolment.pk])
    client.force_login(clerk_b)
    assert client.post(url, {"date": "2026-03-01", "note": "上门走访"}).status_code == 404
    client.force_login(clerk_a)
    assert client.post(url, {"date": "2026-03-01", "note": "上门走访"}).status_code == 302
    assert FollowUpRecord.objects.filter(enrolment=enrolment).count() == 2


def test_page_lists_the_clerks_people_only(client, clerk_a, clerk_b, township_a, township_b):
    own = _exited(clerk_a, township_a, exit_day=date(2026, 11, 1))
    other = _exited(clerk_b, township_b, exit_day=date(2026, 11, 1))
    client.force_login(clerk_a)
    page = client.get(reverse("assistance:follow_up")).content.decode()
    assert own.worker.name in page and other.worker.name not in page


@pytest.mark.django_db(transaction=True)
def test_migration_gives_past_exits_twelve_months(township_a):
    before = [("assistance", "0004_pension_standard")]
    executor = MigrationExecutor(connection)
    after = executor.loader.graph.leaf_nodes("assistance")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("assistance", "Enrolment")
    person, dead = WorkerFactory(township=township_a), WorkerFactory(township=township_a)
    common = {"category": "防止返贫致贫对象", "entry_date": date(2025, 1, 10), "entry_reason": "监测"}
    left = old.objects.create(
        worker_id=person.pk, exit_date=date(2025, 8, 31), exit_reason="stable_employment", **common
    )
    died = old.objects.create(worker_id=dead.pk, exit_date=date(2025, 9, 1), exit_reason="deceased", **common)
    still = old.objects.create(worker_id=WorkerFactory(township=township_a).pk, **common)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    rows = {e.pk: e.follow_up_until for e in Enrolment.objects.all()}
    assert rows == {left.pk: date(2026, 8, 31), died.pk: None, still.pk: None}
