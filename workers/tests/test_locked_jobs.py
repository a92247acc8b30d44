"""A locked quarter freezes the jobs that start in it, not the person (issue 18, item 1; DESIGN.md §4.8):
the person's phone or village, and a new job in an open quarter, save; the locked job is read-only with the
reason shown at the top of the page and on the row; a crafted change to it is refused with the lock
message, and so is deleting it."""

from datetime import date

import pytest
from django.urls import reverse

from targets.services import quarter_lock
from workers.models import Employment, Worker
from workers.tests.factories import EmploymentFactory, WorkerFactory
from workers.tests.test_admin import _job, _management_form, _worker_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked_person(township_a, bureau_user):
    worker = WorkerFactory(township=township_a, name="甘宁锁定", phone="13800001111", village="老村")
    job = EmploymentFactory(worker=worker, start_date=date(2026, 2, 10), channel="")
    quarter_lock(acting_user=bureau_user, year=2026, quarter=1, reason="一季度数据审定")
    return worker, job


def _change_post(client, worker, **extra):
    """The change form as the browser posts it: the locked row's fields are disabled, so not posted."""
    page = client.get(reverse("admin:workers_worker_change", args=[worker.pk]))
    assert page.status_code == 200
    job = worker.employments.get()
    data = _worker_post(worker.id_number, name=worker.name, job={})
    data.update(_management_form(total=1, initial=1))
    data.update({"employments-0-id": str(job.pk), "employments-0-worker": str(worker.pk)})
    data["edit_version"] = str(worker.version)
    data.update(extra)
    return client.post(reverse("admin:workers_worker_change", args=[worker.pk]), data)


def test_the_reason_is_at_the_top_and_on_the_row(login, clerk_a, locked_person):
    worker, _job_row = locked_person
    body = login(clerk_a).get(reverse("admin:workers_worker_change", args=[worker.pk])).content.decode()
    assert "此人有 1 条就业记录开始于已锁定的季度（2026年第1季度）" in body
    assert body.index("此人有 1 条就业记录") < body.index('name="id_number"')  # above the form
    assert "已锁定，只读" in body and "2026年第1季度已锁定（数据已审定）" in body
    assert (
        'name="employments-0-channel"' in body
        and "disabled" in body.split('name="employments-0-channel"')[1][:200]
    )


def test_phone_and_village_of_a_person_with_a_locked_job_save(login, clerk_a, locked_person):
    worker, job = locked_person
    response = _change_post(login(clerk_a), worker, phone="13900002222", village="新村")
    assert response.status_code == 302, response.content.decode()[:3000]
    worker.refresh_from_db()
    assert (worker.phone, worker.village) == ("13900002222", "新村")
    assert Employment.objects.get(pk=job.pk).start_date == date(2026, 2, 10)


def test_a_new_job_in_an_open_quarter_saves_beside_a_locked_one(login, clerk_a, locked_person):
    worker, _job_row = locked_person
    new = {f"employments-1-{k}": v for k, v in _job(start_date="2026-05-06").items()}
    response = _change_post(login(clerk_a), worker, **new, **_management_form(total=2, initial=1))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(worker.employments.values_list("start_date", flat=True)) == [
        date(2026, 2, 10),
        date(2026, 5, 6),
    ]


def test_a_crafted_change_or_delete_of_the_locked_job_is_refused(login, clerk_a, locked_person):
    worker, job = locked_person
    client = login(clerk_a)
    response = _change_post(client, worker, **{"employments-0-channel": "改了渠道"})
    assert response.status_code == 200
    assert "2026年第1季度已锁定（数据已审定）" in response.content.decode()
    # A row marked for deletion skips the form's checks (Django's formset); the service refuses it and
    # the page comes back with the message.
    response = _change_post(client, worker, **{"employments-0-DELETE": "on"})
    assert "2026年第1季度已锁定（数据已审定）" in client.get(response["Location"]).content.decode()
    assert Employment.objects.get(pk=job.pk).channel == ""
    assert Worker.objects.get(pk=worker.pk).employments.count() == 1


def test_the_badge_follows_an_unlock_exception_of_the_viewer(login, clerk_a, bureau_user, township_a):
    """A township lock opened for one named clerk until a date (issue 23): that clerk sees the row as
    changeable; bureau staff, for whom nothing was opened, still see the lock."""
    from datetime import timedelta

    from django.utils import timezone

    from targets.services import quarter_exception_grant

    worker = WorkerFactory(township=township_a, name="甘宁例外")
    EmploymentFactory(worker=worker, start_date=date(2026, 2, 10), channel="")
    quarter_lock(acting_user=bureau_user, year=2026, quarter=1, reason="审核通过", township=township_a)
    url = reverse("admin:workers_worker_change", args=[worker.pk])
    assert "已锁定，只读" in login(clerk_a).get(url).content.decode()
    quarter_exception_grant(
        acting_user=bureau_user,
        township=township_a,
        year=2026,
        quarter=1,
        clerk=clerk_a,
        until=timezone.localdate() + timedelta(days=1),
        reason="补录2月漏报人员",
    )
    assert "已锁定，只读" not in login(clerk_a).get(url).content.decode()
    assert "已锁定，只读" in login(bureau_user).get(url).content.decode()
