"""With a real broker and worker, even a small return is checked and imported in the worker, not in the web
request (issue 21, deadline day): the upload and the confirmation answer at once, and the page follows the
batch until the worker has done it. Without a worker (`make run`, SQLite) the same pages do it in-process."""

import time
from datetime import date

import pytest
from django.urls import reverse

from wanzhou_jobs.celery import app
from workers import tasks
from workers.models import Employment, ImportBatch
from workers.tests.factories import make_id_number
from workers.tests.test_return_views import _row, _upload

pytestmark = [pytest.mark.redis]


def _queued() -> list[dict]:
    """The messages waiting in the default queue of the broker (Redis list "celery")."""
    import json

    with app.connection_for_write() as connection:
        client = connection.default_channel.client
        return [json.loads(raw) for raw in client.lrange("celery", 0, -1)]


def _wait_for(status_set, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.get()
        if batch.status in status_set:
            return batch
        time.sleep(0.2)
    raise AssertionError(f"batch still {ImportBatch.objects.get().status}")


def test_a_small_return_waits_for_the_worker_then_imports(transactional_db, login, clerk_a, request):
    app.control.purge()
    client = login(clerk_a)
    ids = [make_id_number(date(1990, 1, d)) for d in (1, 2, 3)]
    response = _upload(client, [_row(i) for i in ids])
    batch = ImportBatch.objects.get()
    # No worker yet: the request only stored the file and queued the check.
    assert response.status_code == 302 and batch.status == "uploaded" and batch.rows_total == 0
    page = client.get(response["Location"]).content.decode()
    assert "正在处理，请稍候" in page
    queued = _queued()
    assert [
        (m["headers"]["task"], m["headers"]["argsrepr"]) for m in queued if "return" in m["headers"]["task"]
    ] == [("workers.return_validate", f"({batch.pk}, {clerk_a.pk})")]

    request.getfixturevalue("celery_worker")  # a real worker (its start empties the queue of stale messages)
    tasks.return_validate.delay(batch.pk, clerk_a.pk)  # the message the upload queued
    batch = _wait_for({"validated", "rejected"})
    assert batch.status == "validated" and batch.rows_new == 3, batch.errors[:3]

    response = client.post(reverse("workers:return_confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch = _wait_for({"imported", "failed"})
    assert batch.status == "imported" and Employment.objects.filter(import_batch_id=batch.pk).count() == 3


def test_without_a_worker_the_page_does_it_in_process(db, login, clerk_a, settings):
    """The suite's eager mode is `make run`'s: a small return is checked within the upload request."""
    app.conf.task_always_eager = True  # what settings do without REDIS_URL (the fixture restores it)
    client = login(clerk_a)
    _upload(client, [_row(make_id_number(date(1990, 2, 1)))])
    assert ImportBatch.objects.get().status == "validated"
