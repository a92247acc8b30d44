"""Refused attempts leave a trace (issue 16, item 5): a 403, or a request naming an existing row outside the
user's scope (404 on a page, the admin's redirect on a change page), is an audit event with the user, the
address, the door and the path; a probe of many ids cannot flood the log; bureau staff filter them."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from targets.audit import DENIED_PER_MINUTE, audit_entries
from workers.models import ImportBatch
from workers.tests.factories import EmploymentFactory, WorkerFactory

pytestmark = pytest.mark.django_db


def _denied():
    return list(
        LogEntry.objects.filter(additional_data__event="access_denied").order_by("id").select_related("actor")
    )


@pytest.fixture
def batch_b(township_b, clerk_b):
    return ImportBatch.objects.create(
        township=township_b, year=2026, quarter=1, file_name="分水镇.xlsx", file_sha256="0" * 64,
        status=ImportBatch.Status.REJECTED, errors=[], uploaded_by=clerk_b,
    )  # fmt: skip


def test_a_404_on_another_townships_batch_is_recorded(login, clerk_a, batch_b):
    client = login(clerk_a)
    assert (
        client.get(reverse("workers:return_detail", args=[batch_b.pk]), REMOTE_ADDR="10.1.2.3").status_code
        == 404
    )
    (entry,) = _denied()
    assert entry.actor == clerk_a and entry.remote_addr == "10.1.2.3"
    data = entry.additional_data
    assert data["door"] == "form"
    assert data["detail"] == {
        "path": f"/ledger/returns/{batch_b.pk}/",
        "status": 404,
        "method": "GET",
        "object": f"workers.ImportBatch#{batch_b.pk}",
    }


def test_an_id_that_does_not_exist_is_not_an_attempt_on_anyones_data(login, clerk_a, batch_b):
    client = login(clerk_a)
    assert client.get(reverse("workers:return_detail", args=[batch_b.pk + 1000])).status_code == 404
    assert client.get("/no/such/page/").status_code == 404
    assert _denied() == []


def test_admin_change_page_of_another_townships_person_is_recorded(login, clerk_a, township_b):
    worker = WorkerFactory(township=township_b)
    EmploymentFactory(worker=worker, start_date=date(2026, 2, 1))
    client = login(clerk_a)
    response = client.get(reverse("admin:workers_worker_change", args=[worker.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    (entry,) = _denied()
    assert entry.additional_data["door"] == "admin"
    assert entry.additional_data["detail"]["object"] == f"workers.Worker#{worker.pk}"
    # The clerk's own person is no attempt.
    own = WorkerFactory(township=clerk_a.assignment.township)
    assert client.get(reverse("admin:workers_worker_change", args=[own.pk])).status_code == 200
    assert len(_denied()) == 1


def test_a_403_is_recorded_with_its_door(login, industry_user):
    client = login(industry_user)
    assert client.get(reverse("targets:audit")).status_code == 403
    (entry,) = _denied()
    assert entry.additional_data["detail"]["status"] == 403
    assert entry.additional_data["detail"]["path"] == reverse("targets:audit")


def test_a_probe_cannot_flood_the_log(login, clerk_a, batch_b, township_b, clerk_b):
    ids = [batch_b.pk]
    for n in range(DENIED_PER_MINUTE + 10):
        ids.append(
            ImportBatch.objects.create(
                township=township_b, year=2026, quarter=1, file_name=f"{n}.xlsx", file_sha256=f"{n:064d}",
                status=ImportBatch.Status.REJECTED, errors=[], uploaded_by=clerk_b,
            ).pk
        )  # fmt: skip
    client = login(clerk_a)
    for pk in ids:
        assert client.get(reverse("workers:return_errors", args=[pk])).status_code == 404
    assert len(_denied()) == DENIED_PER_MINUTE


def test_bureau_filters_the_log_for_refused_attempts(login, clerk_a, bureau_user, batch_b, client):
    login(clerk_a).get(reverse("workers:return_detail", args=[batch_b.pk]))
    client.logout()
    assert audit_entries(event="access_denied").count() == 1
    body = login(bureau_user).get(reverse("targets:audit"), {"event": "access_denied"}).content.decode()
    table = body.split('id="audit-table"')[1]
    assert "拒绝访问" in table and clerk_a.username in table and f"/ledger/returns/{batch_b.pk}/" in table
    assert 'id="audit-total">1<' in body
