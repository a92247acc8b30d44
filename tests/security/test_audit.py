"""The audit trail (issue 7): one entry per change with actor and door, none for a no-op, masked diffs,
logged views and exports, a search for bureau staff only, an append-only log and its retention."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from targets.audit import DOOR_FORM, audit_context, audit_prune
from targets.models import ApiAccessLog
from workers.models import Employment, Worker
from workers.services import employment_record, worker_register, worker_update
from workers.tests.factories import WorkerFactory, make_id_number
from workers.tests.test_admin import _job, _worker_post
from workers.tests.test_services import job_data

pytestmark = pytest.mark.django_db


def entries_for(model):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))


def test_register_leaves_one_entry_with_actor_door_and_masked_id(clerk_a, township_a):
    id_number = make_id_number(date(1990, 5, 1))
    before = LogEntry.objects.count()
    with audit_context(door=DOOR_FORM, actor=clerk_a):
        worker = worker_register(
            acting_user=clerk_a, id_number=id_number, name="王小明", township=township_a, phone="13812345678"
        )
    assert LogEntry.objects.count() == before + 1
    entry = entries_for(Worker).get(object_pk=str(worker.pk))
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == clerk_a
    assert entry.additional_data["door"] == "form"
    assert entry.additional_data["township"] == township_a.pk
    assert entry.additional_data["worker"] == worker.pk
    assert entry.changes["id_number"][1] == id_number[:6] + "********" + id_number[-4:]
    assert entry.changes["phone"][1] == "138****5678"
    assert id_number not in str(entry.changes) and "13812345678" not in str(entry.changes)


def test_noop_update_leaves_no_entry_and_a_change_leaves_one(clerk_a, township_a):
    worker = WorkerFactory(township=township_a, phone="13800000001")
    count = LogEntry.objects.count()
    worker_update(acting_user=clerk_a, worker=worker, phone="13800000001")
    assert LogEntry.objects.count() == count
    worker_update(acting_user=clerk_a, worker=worker, phone="13900000002")
    entry = LogEntry.objects.latest("id")
    assert LogEntry.objects.count() == count + 1
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes == {"phone": ["138****0001", "139****0002"]}


def test_employment_record_is_one_entry_found_under_the_person(clerk_a, township_a, bureau_user, login):
    worker = WorkerFactory(township=township_a)
    count = LogEntry.objects.count()
    job = employment_record(acting_user=clerk_a, worker=worker, data=job_data(workplace_township=township_a))
    assert LogEntry.objects.count() == count + 1
    entry = entries_for(Employment).get(object_pk=str(job.pk))
    assert entry.additional_data["worker"] == worker.pk
    body = login(bureau_user).get(reverse("targets:audit"), {"person": worker.id_number}).content.decode()
    table = body.split('id="audit-table"')[1]
    assert "新增" in table and str(job) in table
    assert worker.id_number not in table  # only in the search box the user typed it into


def test_admin_save_is_attributed_to_the_clerk_through_the_admin(login, clerk_a):
    id_number = make_id_number(date(1991, 2, 3))
    response = login(clerk_a).post(reverse("admin:workers_worker_add"), _worker_post(id_number, job=_job()))
    assert response.status_code == 302
    worker = Worker.objects.get(id_number=id_number)
    worker_entry = entries_for(Worker).get(object_pk=str(worker.pk))
    job_entry = entries_for(Employment).get(additional_data__worker=worker.pk)
    for entry in (worker_entry, job_entry):
        assert entry.actor == clerk_a
        assert entry.additional_data["door"] == "admin"
        assert entry.remote_addr == "127.0.0.1"


def test_viewing_the_full_id_number_is_logged(login, clerk_a, township_a):
    worker = WorkerFactory(township=township_a)
    login(clerk_a).get(reverse("admin:workers_worker_change", args=[worker.pk]))
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("id")
    assert entry.additional_data["event"] == "view_id_number"
    assert entry.additional_data["worker"] == worker.pk
    assert entry.actor == clerk_a


def test_ledger_export_is_logged(login, clerk_a, township_a):
    response = login(clerk_a).get(reverse("workers:ledger_export"))
    assert response.status_code == 200
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("id")
    assert entry.additional_data["event"] == "export"
    assert entry.additional_data["township"] == township_a.pk
    assert entry.actor == clerk_a


def test_search_by_user_township_and_date(login, bureau_user, clerk_a, clerk_b, township_a, township_b):
    with audit_context(actor=clerk_a):
        a = WorkerFactory(township=township_a, name="甲某")
    with audit_context(actor=clerk_b):
        b = WorkerFactory(township=township_b, name="乙某")
    client = login(bureau_user)
    url = reverse("targets:audit")
    by_user = client.get(url, {"user": "clerk_a"}).content.decode()
    assert "甲某" in by_user and "乙某" not in by_user
    by_township = client.get(url, {"township": township_b.pk}).content.decode()
    assert "乙某" in by_township and "甲某" not in by_township
    by_name = client.get(url, {"person": "乙某"}).content.decode()
    assert "乙某" in by_name and "甲某" not in by_name
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = client.get(url, {"date_from": tomorrow}).content.decode()
    assert "甲某" not in future and "没有符合条件的日志" in future
    backwards = client.get(url, {"date_from": tomorrow, "date_to": "2025-01-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in backwards
    assert a.pk and b.pk


@pytest.mark.parametrize("who", ["clerk_a", "industry_user", "reviewer_user"])
def test_only_bureau_reads_the_log(request, login, who):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("targets:audit")).status_code == 403
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code in (302, 403)


def test_the_log_cannot_be_changed_or_deleted_in_the_admin(login, bureau_user, township_a):
    WorkerFactory(township=township_a)
    entry = LogEntry.objects.latest("id")
    client = login(bureau_user)
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
    assert (
        client.post(reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    response = client.post(
        reverse("admin:auditlog_logentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert LogEntry.objects.filter(pk=entry.pk).exists(), response.status_code


@override_settings(AUDIT_RETENTION_DAYS=30, API_LOG_RETENTION_DAYS=30)
def test_prune_keeps_six_months_and_three_years_whatever_the_setting(township_a):
    WorkerFactory(township=township_a)
    now = timezone.now()
    old = LogEntry.objects.latest("id")
    LogEntry.objects.filter(pk=old.pk).update(timestamp=now - timedelta(days=200))
    recent = WorkerFactory(township=township_a)
    LogEntry.objects.filter(object_pk=str(recent.pk)).update(timestamp=now - timedelta(days=170))
    api_old = ApiAccessLog.objects.create(
        endpoint="/api/v1/x", method="GET", status=200, at=now - timedelta(days=1100)
    )
    api_kept = ApiAccessLog.objects.create(
        endpoint="/api/v1/x", method="GET", status=200, at=now - timedelta(days=1000)
    )
    assert audit_prune(dry_run=True) == {"audit": 1, "api": 1}
    call_command("prune_audit_log")
    assert not LogEntry.objects.filter(pk=old.pk).exists()
    assert LogEntry.objects.filter(object_pk=str(recent.pk)).exists()
    assert not ApiAccessLog.objects.filter(pk=api_old.pk).exists()
    assert ApiAccessLog.objects.filter(pk=api_kept.pk).exists()
