"""A failed batch can be started over (issue 21, item 5): a worker that died on every attempt, or a batch
left running for an hour, ends "failed" having written nothing; its uploader checks the stored file again
and confirms it as before. Nobody else can, and a file past its day is asked for again."""

from datetime import date
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from workers.models import Employment, ImportBatch
from workers.tests.factories import make_id_number
from workers.tests.test_return_views import _row, _upload

pytestmark = pytest.mark.django_db


def _failed_batch(client, rows=2) -> ImportBatch:
    _upload(client, [_row(make_id_number(date(1990, 3, d))) for d in range(1, rows + 1)])
    batch = ImportBatch.objects.get()
    assert batch.status == "validated" and Path(batch.stored_path).exists()
    # What tasks._claim leaves after the worker died MAX_ATTEMPTS times in the import: nothing written (one
    # transaction), the file kept.
    ImportBatch.objects.filter(pk=batch.pk).update(status="failed", attempts=3, rows_processed=1)
    return ImportBatch.objects.get(pk=batch.pk)


def test_the_uploader_checks_a_failed_batch_again_and_imports_it(login, clerk_a):
    client = login(clerk_a)
    batch = _failed_batch(client)
    page = client.get(reverse("workers:return_detail", args=[batch.pk])).content.decode()
    assert "没有写入任何数据" in page and 'id="retry"' in page

    response = client.post(reverse("workers:return_retry", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "validated" and batch.attempts == 0 and batch.rows_new == 2
    assert LogEntry.objects.filter(additional_data__event="return_retry", object_pk=str(batch.pk)).exists()
    client.post(reverse("workers:return_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "imported" and Employment.objects.filter(import_batch_id=batch.pk).count() == 2


def test_only_the_uploader_and_only_a_failed_batch_with_its_file(login, clerk_a, clerk_b, bureau_user):
    client = login(clerk_a)
    batch = _failed_batch(client)
    # Another township's clerk does not see the batch; bureau staff see it but did not upload it.
    assert login(clerk_b).post(reverse("workers:return_retry", args=[batch.pk])).status_code == 404
    page = login(bureau_user).get(reverse("workers:return_detail", args=[batch.pk])).content.decode()
    assert 'id="retry"' not in page
    assert login(bureau_user).post(reverse("workers:return_retry", args=[batch.pk])).status_code == 403
    assert ImportBatch.objects.get(pk=batch.pk).status == "failed"
    # A batch that did not fail is not started over.
    client = login(clerk_a)  # the fixtures share one test client
    ImportBatch.objects.filter(pk=batch.pk).update(status="imported")
    response = client.post(reverse("workers:return_retry", args=[batch.pk]), follow=True)
    assert "不能执行此操作" in response.content.decode()
    assert ImportBatch.objects.get(pk=batch.pk).status == "imported"
    # A file past its day: the page asks for it again, the batch stays failed.
    ImportBatch.objects.filter(pk=batch.pk).update(status="failed")
    Path(batch.stored_path).unlink()
    page = client.get(reverse("workers:return_detail", args=[batch.pk])).content.decode()
    assert 'id="retry"' not in page and "请重新上传文件" in page
    response = client.post(reverse("workers:return_retry", args=[batch.pk]), follow=True)
    assert "上传的文件已过期被删除，请重新上传。" in response.content.decode()
    assert ImportBatch.objects.get(pk=batch.pk).status == "failed"
