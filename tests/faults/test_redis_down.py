"""Redis down (issue 21, item 5): a throwaway `redis-server` is the cache and the broker, and is shut down in the
middle of the test. A clerk's return still uploads and imports (validation and import run in the web process
below the size thresholds), the progress outbox keeps the recompute the broker could not take, and once Redis
is back the sweep catches up. The API and the forms with Redis down are in wanzhou_jobs/tests/test_redis_outage.py.
"""

import shutil
import subprocess
import time
from datetime import date, timedelta

import pytest
import redis
from django.core.cache import cache

from targets.models import ProgressDirtyYear
from targets.progress import progress_snapshot
from targets.tasks import progress_sweep
from tests.faults.pgcluster import free_port
from wanzhou_jobs.celery import app as celery_app
from workers.models import Employment, ImportBatch
from workers.tests.factories import make_id_number
from workers.tests.test_return_views import _row, _upload

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")


@pytest.fixture
def own_redis(settings, tmp_path):
    """A redis-server of this test on its own port, as cache and broker; `stop()` shuts it down."""
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = url, False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None

    class Instance:
        def stop(self):
            client.shutdown(nosave=True)
            proc.wait(timeout=10)

    try:
        yield Instance()
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_a_return_imports_while_redis_is_down_and_the_outbox_catches_up(login, clerk_a, own_redis):
    client = login(clerk_a)
    cache.set("probe", 1)
    own_redis.stop()
    with pytest.raises(redis.ConnectionError):
        cache.get("probe")
    ProgressDirtyYear.objects.all().delete()

    ids = [make_id_number(date(1988, 5, d)) for d in range(1, 21)]
    response = _upload(client, [_row(i) for i in ids])
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == "validated"
    response = client.post(f"/ledger/returns/{batch.pk}/confirm/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "imported" and Employment.objects.count() == 20
    # The broker took no task; the outbox row written with the import is what remembers the recompute.
    assert ProgressDirtyYear.objects.filter(year=2025).exists()

    # What beat's sweep does every minute once Redis is back (run here in-process): the outbox empties and the
    # snapshot counts the return.
    celery_app.conf.task_always_eager = True
    progress_sweep.delay()
    assert not ProgressDirtyYear.objects.exists()
    assert progress_snapshot(year=2025).data["district"]["count"] == 20


@pytest.mark.django_db(transaction=True)
def test_a_large_return_uploads_while_redis_is_down(login, clerk_a, own_redis):
    client = login(clerk_a)
    own_redis.stop()
    ids = {make_id_number(date(1960, 1, 1) + timedelta(days=n)) for n in range(3500)}  # > 150 KB
    client.raise_request_exception = False
    response = _upload(client, [_row(i) for i in sorted(ids)])
    assert ImportBatch.objects.get().file_size > 150 * 1024  # workers/views.py: ASYNC_VALIDATE_BYTES
    assert response.status_code == 302, response.status_code
    batch = ImportBatch.objects.get()
    assert batch.status == "validated" and batch.rows_total == len(ids)
    response = client.post(f"/ledger/returns/{batch.pk}/confirm/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "imported" and Employment.objects.count() == len(ids)
