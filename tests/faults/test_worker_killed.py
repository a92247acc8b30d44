"""A Celery worker killed in the middle of an import (issue 21, item 5).

The worker's pool process is SIGKILLed (what the OOM killer does) while the import's write transaction is
open. acks_late + reject_on_worker_lost hand the message to a fresh pool process; the batch the dead attempt
left "importing" is found unlocked (workers/tasks.py: the attempt's advisory lock died with it), queued again
and imported once: every row is new (the dead attempt wrote nothing), none is written twice.
"""

import os
import signal
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from conftest import _database_url_for_subprocess
from tests.faults.celery_worker import prefork_worker_running
from workers.models import Employment, ImportBatch, Worker
from workers.returns import ASYNC_THRESHOLD
from workers.tests.factories import make_id_number
from workers.tests.test_return_views import _row, _upload

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
ROWS = ASYNC_THRESHOLD + 500  # above the threshold: the import runs in the worker


def _wait(predicate, timeout: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def prefork_worker(transactional_db, tmp_path):
    env = dict(os.environ, DATABASE_URL=_database_url_for_subprocess(), REDIS_URL=settings.REDIS_URL)
    env.pop("TEST_DATABASE_NAME", None)
    log = tmp_path / "worker.log"
    with prefork_worker_running(env, log, f"kill-{uuid.uuid4().hex[:6]}") as proc:
        yield proc, log


def _pool_children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _pool_child(pid: int) -> int:
    children = _pool_children(pid)
    assert len(children) == 1, children
    return children[0]


def test_worker_killed_mid_import_imports_once_on_redelivery(prefork_worker, login, clerk_a):
    proc, log = prefork_worker
    client = login(clerk_a)
    ids, birth = set(), date(1970, 1, 1)
    while len(ids) < ROWS:
        ids.add(make_id_number(birth + timedelta(days=len(ids) % 9000)))
    _upload(client, [_row(i) for i in sorted(ids)])
    batch = ImportBatch.objects.get()
    batch = _wait(
        lambda: (b := ImportBatch.objects.get()).status not in {"uploaded", "validating"} and b,
        90,
        "validation",
    )
    assert batch.status == "validated", batch.errors[:3]

    child = _pool_child(proc.pid)
    db = connection.settings_dict["NAME"]
    dsn = _database_url_for_subprocess()
    with psycopg.connect(dsn, autocommit=True) as watcher, psycopg.connect(dsn) as holder:
        # The import marks the year dirty in the outbox as the last write of its transaction (DESIGN.md §7):
        # with the outbox locked here, the attempt waits there having written its rows, so the kill lands
        # inside its write transaction however fast the host is (the kept plan made the write short enough
        # for an idle host to commit before a kill timed by the clock).
        holder.execute("LOCK TABLE targets_progressdirtyyear IN EXCLUSIVE MODE")

        def writing():
            return watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                "AND backend_xid IS NOT NULL AND wait_event_type = 'Lock'",
                [db],
            ).fetchone()

        client.post(f"/ledger/returns/{batch.pk}/confirm/")
        _wait(writing, 90, "the import's write transaction to wait on the outbox", 0.02)
        os.kill(child, signal.SIGKILL)
        holder.rollback()  # the backend goes on, finds its client gone, and rolls the attempt back
        _wait(lambda: not writing(), 30, "the dead transaction to end", 0.02)
    # The pool replaces its dead child (the master may take a moment to fork the new one).
    _wait(
        lambda: _pool_children(proc.pid) and child not in _pool_children(proc.pid),
        30,
        "a new pool child",
        0.05,
    )

    batch = _wait(
        lambda: (b := ImportBatch.objects.get()).status not in {"queued", "importing"} and b,
        120,
        "the redelivery",
    )
    assert batch.status == "imported", (batch.status, batch.errors[:3])
    assert batch.attempts == 2
    assert batch.rows_new == ROWS  # the dead attempt wrote nothing the second one found
    assert Employment.objects.filter(import_batch_id=batch.pk).count() == ROWS
    assert Worker.objects.count() == ROWS
    assert b"WorkerLostError" in log.read_bytes() or b"SIGKILL" in log.read_bytes()
