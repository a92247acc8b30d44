"""Confirm without re-reading (issue 24, item 1): the preview keeps its checked plan beside the stored upload,
and the confirm writes it when what the check read from the ledger is unchanged; otherwise — a quarter locked,
a person registered meanwhile, a plan tampered with or from another day — it checks the whole file again.
The kept plan goes with the stored file (imported, discarded, refused, cleaned up)."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from auditlog.models import LogEntry

from targets.models import Township
from targets.services import QUARTER_LOCKED, quarter_lock
from workers import tasks
from workers.models import Employment, ImportBatch, RegistrationPeriod, Worker
from workers.returns import return_discard, return_import, return_upload, return_validate
from workers.returns import stored as kept_plans
from workers.services import worker_register
from workers.tests.test_returns import id_for, name_for, person, write_return

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage(settings, tmp_path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private" / "returns"


def _previewed(user, tmp_path: Path, numbers=(1, 2, 3)) -> ImportBatch:
    path = write_return(tmp_path / "甘宁镇一季度.xlsx", [person(n) for n in numbers])
    with path.open("rb") as handle:
        batch = return_upload(acting_user=user, file_obj=handle, file_name=path.name)
    assert return_validate(batch=batch, acting_user=user).ok
    batch.refresh_from_db()
    assert kept_plans.plan_path(batch).exists()
    return batch


def _checked(batch: ImportBatch) -> str:
    """Which check the import's write rested on, as its audit event records it."""
    entry = LogEntry.objects.filter(additional_data__event="return_import", object_pk=str(batch.pk)).get()
    return entry.additional_data["detail"]["checked"]


def test_confirm_writes_the_kept_plan_without_reading_the_file(clerk_a, tmp_path):
    batch = _previewed(clerk_a, tmp_path)
    stored, plan_file = Path(batch.stored_path), kept_plans.plan_path(batch)
    stored.write_bytes(b"not a spreadsheet any more")  # a re-read would refuse the file

    batch = return_import(batch=batch, acting_user=clerk_a)

    assert batch.status == ImportBatch.Status.IMPORTED
    assert (batch.rows_new, batch.rows_unchanged, batch.rows_updated) == (3, 0, 0)
    assert _checked(batch) == "preview"
    assert sorted(Worker.objects.values_list("id_number", "name")) == sorted(
        (id_for(n), name_for(n)) for n in (1, 2, 3)
    )
    assert Employment.objects.filter(import_batch_id=batch.pk, start_date=date(2025, 3, 15)).count() == 3
    assert RegistrationPeriod.objects.filter(worker__import_batch_id=batch.pk).count() == 3
    assert not stored.exists() and not plan_file.exists()


def test_confirm_of_an_unchanged_re_upload_updates_from_the_kept_plan(clerk_a, tmp_path):
    first = _previewed(clerk_a, tmp_path)
    return_import(batch=first, acting_user=clerk_a)
    path = write_return(
        tmp_path / "甘宁镇一季度（更正）.xlsx", [person(1, **{"月收入（元）": 4200}), person(2), person(3)]
    )
    with path.open("rb") as handle:
        batch = return_upload(acting_user=clerk_a, file_obj=handle, file_name=path.name)
    assert return_validate(batch=batch, acting_user=clerk_a).ok

    batch = return_import(batch=batch, acting_user=clerk_a)

    assert (batch.rows_new, batch.rows_updated, batch.rows_unchanged) == (0, 1, 2)
    assert _checked(batch) == "preview"
    assert Employment.objects.get(worker__id_number=id_for(1)).monthly_income == 4200


def test_a_quarter_locked_after_the_preview_is_refused_at_confirm(clerk_a, bureau_user, tmp_path):
    batch = _previewed(clerk_a, tmp_path)
    quarter_lock(acting_user=bureau_user, year=2025, quarter=1, reason="一季度数据已审定")

    batch = return_import(batch=batch, acting_user=clerk_a)

    assert batch.status == ImportBatch.Status.REJECTED
    assert {e["message"] for e in batch.errors} == {QUARTER_LOCKED.format(year=2025, quarter=1)}
    assert Worker.objects.count() == 0 and Employment.objects.count() == 0
    assert not kept_plans.plan_path(batch).exists()


def test_a_person_registered_meanwhile_makes_the_confirm_check_again(clerk_a, tmp_path):
    batch = _previewed(clerk_a, tmp_path)
    # Another clerk of the township registers person 2 by form between the preview and the confirm: the
    # kept plan would insert them a second time; the unique ID number refuses it and the file is checked again.
    worker_register(
        acting_user=clerk_a,
        id_number=id_for(2),
        name=name_for(2),
        township=Township.objects.get(name="甘宁镇"),
    )

    batch = return_import(batch=batch, acting_user=clerk_a)

    assert batch.status == ImportBatch.Status.IMPORTED
    assert _checked(batch) == "again"
    assert Worker.objects.count() == 3
    assert Employment.objects.filter(import_batch_id=batch.pk).count() == 3
    assert Worker.objects.get(id_number=id_for(2)).import_batch_id is None  # the form's record, kept


@pytest.mark.parametrize("how", ["tampered", "yesterday"])
def test_a_plan_that_is_not_this_batch_s_today_is_not_trusted(clerk_a, tmp_path, monkeypatch, how):
    batch = _previewed(clerk_a, tmp_path)
    plan_file = kept_plans.plan_path(batch)
    if how == "tampered":
        data = bytearray(plan_file.read_bytes())
        data[-5] ^= 0xFF
        plan_file.write_bytes(bytes(data))
    else:
        tomorrow = kept_plans.timezone.localdate() + timedelta(days=1)
        monkeypatch.setattr(kept_plans.timezone, "localdate", lambda: tomorrow)

    batch = return_import(batch=batch, acting_user=clerk_a)

    assert batch.status == ImportBatch.Status.IMPORTED
    assert _checked(batch) == "again"
    assert Employment.objects.filter(import_batch_id=batch.pk).count() == 3


def test_the_kept_plan_goes_with_the_stored_file(clerk_a, tmp_path):
    discarded = _previewed(clerk_a, tmp_path, numbers=(1,))
    plan_file = kept_plans.plan_path(discarded)
    return_discard(batch=discarded, acting_user=clerk_a)
    assert not plan_file.exists()

    left = _previewed(clerk_a, tmp_path, numbers=(2,))
    plan_file, stored = kept_plans.plan_path(left), Path(left.stored_path)
    ImportBatch.objects.filter(pk=left.pk).update(created_at=left.created_at - timedelta(days=2))
    tasks.returns_cleanup()
    assert not plan_file.exists() and not stored.exists()
    assert ImportBatch.objects.get(pk=left.pk).stored_path == ""
