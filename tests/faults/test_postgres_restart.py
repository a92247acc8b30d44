"""PostgreSQL restarted under load (issue 21, item 5): gunicorn serves the API and /readyz from a throwaway
cluster (a copy of the test database) while four clients keep asking; the cluster is restarted (`pg_ctl
restart -m fast`, which ends every connection). Requests in flight fail cleanly — a 500 or 503 answered at
once, no hang, no dropped connection, no traceback — and every request started after the cluster is back
succeeds, on each web process's kept connection too (CONN_HEALTH_CHECKS); no gunicorn worker is lost."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.faults.celery_worker import prefork_worker_running
from tests.faults.pgcluster import Cluster, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def cluster():
    pg = Cluster().init()
    pg.pg_ctl("start")
    try:
        yield pg
    finally:
        pg.destroy()


def _workers(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return sorted(int(p) for p in children.read().split())


def _copy_test_database(pg: Cluster) -> str:
    db = connection.settings_dict
    source = (
        f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "wz"], check=True)
    dump = subprocess.Popen(["pg_dump", "-Fc", f"{source}/{db['NAME']}"], stdout=subprocess.PIPE)
    subprocess.run(["pg_restore", "--no-owner", "-d", pg.url("wz")], stdin=dump.stdout, check=True)
    assert dump.wait() == 0
    return pg.url("wz")


def test_requests_fail_cleanly_during_a_restart_and_succeed_after(
    django_db_setup, django_db_blocker, cluster, tmp_path
):
    database_url = _copy_test_database(cluster)  # the migrated schema and the reference data
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TEST_DATABASE_NAME", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=database_url, DEBUG="false", SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false",
        DB_CONN_MAX_AGE="600", LOG_FORMAT="json",
        # This test is about the restart, not the throttle: an idle host sends more than 600 requests a minute.
        API_THROTTLE_RATE="100000/minute",
    )  # fmt: skip
    token = subprocess.run(
        [sys.executable, "manage.py", "create_api_client", "fault-test"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", GUNICORN_TIMEOUT="30")
    with log.open("wb") as out:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wanzhou_jobs.wsgi"],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    results: list[tuple[float, float, str, object]] = []
    stop = threading.Event()

    def client(path: str, headers: dict) -> None:
        with requests.Session() as session:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    response = session.get(base + path, headers=headers, timeout=20)
                    outcome = (response.status_code, response.text[:300])
                except requests.RequestException as exc:
                    outcome = (None, type(exc).__name__)
                results.append((started, time.monotonic(), path, outcome))

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/readyz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline and web.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(0.3)
        workers_before = _workers(web.pid)
        api = {"Authorization": f"Token {token}"}
        threads = [
            threading.Thread(target=client, args=(path, headers))
            for path, headers in [("/api/v1/townships/", api)] * 3 + [("/readyz", {})]
        ]
        for thread in threads:
            thread.start()
        time.sleep(2)
        restart_started = time.monotonic()
        cluster.pg_ctl("restart", "-m", "fast")
        cluster.wait_ready()
        back_at = time.monotonic()
        time.sleep(4)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        # Again with the web processes idle: each keeps a connection the restart killed, and the first request
        # of each after it must not fail on it (CONN_HEALTH_CHECKS tests a kept connection before reuse).
        cluster.pg_ctl("restart", "-m", "fast")
        cluster.wait_ready()
        idle_after = [
            requests.get(base + "/api/v1/townships/", headers=api, timeout=20).status_code for _ in range(12)
        ]
    finally:
        stop.set()
        for thread in threads if "threads" in locals() else []:
            thread.join(timeout=30)
        alive = web.poll() is None
        workers_after = _workers(web.pid) if alive else []
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=30)

    text = log.read_text(errors="replace")
    assert alive and workers_after == workers_before, text[-3000:]
    assert "WORKER TIMEOUT" not in text
    before = [r for r in results if r[1] < restart_started]
    after = [r for r in results if r[0] > back_at]
    during = [r for r in results if r not in before and r not in after]
    assert before and after and len(after) > 20
    assert {r[3][0] for r in before} == {200}
    # Every request got an HTTP answer, at once: none dropped, none waited out a timeout.
    assert all(r[3][0] is not None for r in results), [r[3] for r in results if r[3][0] is None][:3]
    assert max(r[1] - r[0] for r in results) < 10
    assert {r[3][0] for r in during} <= {200, 500, 503}
    assert not any("Traceback" in r[3][1] for r in results)
    assert {r[3][0] for r in after} == {200}, sorted({str(r[3]) for r in after if r[3][0] != 200})[:3]
    assert idle_after == [200] * 12
    print(
        f"\nrestart took {back_at - restart_started:.2f} s; requests before/during/after: "
        f"{len(before)}/{len(during)}/{len(after)}; during: "
        f"{sorted((s, sum(1 for r in during if r[3][0] == s)) for s in {r[3][0] for r in during})}"
    )


@pytest.mark.redis
def test_a_worker_holding_a_connection_serves_the_next_task_after_a_restart(
    django_db_setup, django_db_blocker, cluster, tmp_path
):
    """The Celery worker keeps its database connection between tasks (DB_CONN_MAX_AGE); a restart kills it.
    The next task must not fail on the dead connection, and the worker must not stay stuck: it reconnects."""
    import psycopg

    from wanzhou_jobs.celery import app as celery_app

    database_url = _copy_test_database(cluster)
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=database_url, REDIS_URL=settings.REDIS_URL, DB_CONN_MAX_AGE="600")
    log = tmp_path / "worker.log"

    def beat_at():
        with psycopg.connect(database_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
            row = db.execute("SELECT beat_at FROM wanzhou_jobs_heartbeat WHERE name = 'beat'").fetchone()
            return row[0] if row else None

    def heartbeat_after(previous, timeout: float = 60):
        celery_app.send_task("wanzhou_jobs.heartbeat")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                break
            try:
                value = beat_at()
            except psycopg.OperationalError:
                value = None
            if value is not None and (previous is None or value > previous):
                return value
            time.sleep(0.2)
        raise AssertionError("no heartbeat stored:\n" + log.read_text(errors="replace")[-3000:])

    with prefork_worker_running(env, log, f"restart-{port_tag()}") as worker:
        first = heartbeat_after(None)  # the pool process now holds a connection
        cluster.pg_ctl("restart", "-m", "fast")
        cluster.wait_ready()
        second = heartbeat_after(first)
        third = heartbeat_after(second)
    assert first < second < third


def port_tag() -> str:
    return str(free_port())
