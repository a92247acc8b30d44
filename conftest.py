"""Shared fixtures: reference data, two townships with a clerk each, one user per role, a real Celery worker.

Clerk A belongs to 甘宁镇, clerk B to 分水镇 (THREATS.md conventions). Tests marked `redis` use the real
broker and worker; every other test runs Celery eagerly, also in the PostgreSQL/Redis run of CI.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from wanzhou_jobs.celery import app as celery_app

STRONG_PASSWORD = "Test-Passw0rd-2025"  # noqa: S105 - test accounts only


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in item.keywords and not settings.USING_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="需要 PostgreSQL：设置 DATABASE_URL=postgres://… 后运行"))
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="需要 Redis 与 Celery worker：设置 REDIS_URL 后运行"))


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Password hashing is not under test here; PBKDF2's cost would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Eager Celery unless the test is about the real broker and worker."""
    real = "redis" in request.keywords and bool(settings.REDIS_URL)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = not real
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data is loaded once into the test database; tests roll back their own changes."""
    from targets.services import reference_data_load

    with django_db_blocker.unblock():
        reference_data_load()


@pytest.fixture
def reference_data(db):
    from targets.models import Township
    from targets.services import reference_data_load

    # A transactional test flushes the database when it ends; the next test loads the data again.
    if not Township.objects.exists():
        reference_data_load()


@pytest.fixture
def township_a(reference_data):
    from targets.models import Township

    return Township.objects.get(name="甘宁镇")


@pytest.fixture
def township_b(reference_data):
    from targets.models import Township

    return Township.objects.get(name="分水镇")


def _user(username, role, township=None, industries=None):
    from targets.services import staff_user_save

    return staff_user_save(
        username=username, role=role, township=township, industries=industries, password=STRONG_PASSWORD
    )


@pytest.fixture
def clerk_a(township_a):
    return _user("clerk_a", "clerk", township="甘宁镇")


@pytest.fixture
def clerk_b(township_b):
    return _user("clerk_b", "clerk", township="分水镇")


@pytest.fixture
def bureau_user(reference_data):
    return _user("bureau", "bureau")


@pytest.fixture
def industry_user(reference_data):
    return _user("industry_mfg", "industry", industries=["制造业"])


@pytest.fixture
def reviewer_user(reference_data):
    return _user("reviewer", "reviewer")


def login_request():
    """django-axes counts every login by its request; the test client's `login` needs one to pass along."""
    from django.test import RequestFactory

    return RequestFactory().post("/login/")


@pytest.fixture
def login(client):
    """`login(user)` → a test client logged in as that user (a real session, not force_login)."""

    def _login(user):
        assert client.login(request=login_request(), username=user.username, password=STRONG_PASSWORD)
        return client

    return _login


def _database_url_for_subprocess() -> str:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@pytest.fixture
def celery_worker(transactional_db):
    """A real `celery worker` process on the Redis broker, using the test database. Stopped after the test."""
    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url_for_subprocess()
    env["REDIS_URL"] = settings.REDIS_URL
    env.pop("TEST_DATABASE_NAME", None)
    log = Path(settings.BASE_DIR) / "artifacts" / f"celery-worker-{uuid.uuid4().hex[:8]}.log"
    log.parent.mkdir(exist_ok=True)
    celery_app.control.purge()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "wanzhou_jobs",
                "worker",
                "-P",
                "solo",
                "-c",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"test-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if b"ready." in log.read_bytes():
                break
            if proc.poll() is not None:
                raise RuntimeError(log.read_text(errors="replace"))
            time.sleep(0.2)
        else:
            raise RuntimeError("Celery worker did not start in 30 s:\n" + log.read_text(errors="replace"))
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- No ID number ever reaches a log line or a task message (issue 7, THREATS.md) ----------------------

import logging  # noqa: E402
import re  # noqa: E402

_ID_IN_TEXT = re.compile(
    r"(?<![0-9])([1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx])(?![0-9])"
)


def id_numbers_in(text: str) -> list[str]:
    """Valid resident ID numbers (check character right) found anywhere in `text`."""
    from workers.validators import id_number_check_char

    return [m for m in _ID_IN_TEXT.findall(text) if id_number_check_char(m[:17]) == m[17].upper()]


class _Recorder(logging.Handler):
    def __init__(self):
        from wanzhou_jobs.logs import JsonFormatter

        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        # The JSON line production writes (LOG_FORMAT=json), before its last-guard mask: fields such as the
        # request's path are checked too, and a leak at its source fails here even though the mask hides it.
        self.json = JsonFormatter(scrub=False)

    def emit(self, record):
        try:
            text = record.getMessage() + " " + self.json.format(record)
        except Exception:  # noqa: BLE001 - a broken record is not this guard's concern
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1])
        self.texts.append(text)


@pytest.fixture(autouse=True)
def _no_id_numbers_in_logs_or_tasks():
    """Every test of the suite: no log record and no Celery task's arguments carry an ID number."""
    from celery.signals import before_task_publish, task_prerun

    recorder = _Recorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    task_texts: list[str] = []

    def on_prerun(task=None, args=None, kwargs=None, **_):
        task_texts.append(f"{getattr(task, 'name', task)} {args!r} {kwargs!r}")

    def on_publish(body=None, headers=None, **_):
        task_texts.append(f"{body!r} {headers!r}")

    task_prerun.connect(on_prerun, weak=False, dispatch_uid="wz-canary-prerun")
    before_task_publish.connect(on_publish, weak=False, dispatch_uid="wz-canary-publish")
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        task_prerun.disconnect(dispatch_uid="wz-canary-prerun")
        before_task_publish.disconnect(dispatch_uid="wz-canary-publish")
    found = [(t[:300], id_numbers_in(t)) for t in recorder.texts + task_texts if id_numbers_in(t)]
    assert not found, f"ID numbers in log lines or task messages: {found[:5]}"
