"""Redis down (issue 16 item 3): the cache and the Celery broker share `REDIS_URL`; with it pointing at a
closed port the API answers 200 for a valid token (the throttle fails open, logged and counted), staff can
log in, and forms still save (the progress outbox keeps what the broker could not take).

The cache is a real `RedisCache` on a port nothing listens on, not a mock: what is tested is what the
district server meets when Redis is down.
"""

import logging
import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse

from conftest import STRONG_PASSWORD, _database_url_for_subprocess
from targets.api import api_client_create
from targets.models import ApiAccessLog, ProgressDirtyYear
from wanzhou_jobs.api import throttling
from wanzhou_jobs.celery import app as celery_app
from workers.models import Worker
from workers.tests.factories import EmploymentFactory, WorkerFactory, make_id_number
from workers.tests.test_admin import _job, _worker_post

ENDPOINTS = (
    "/api/v1/employments/",
    "/api/v1/workers/",
    "/api/v1/employments/export.ndjson",
    "/api/v1/employments/export.csv",
    "/api/v1/progress/?year=2025",
    "/api/v1/townships/",
    "/api/v1/industries/",
)


def _closed_port() -> int:
    """A local port nothing listens on: bound once by the OS, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url():
    return f"redis://127.0.0.1:{_closed_port()}/0"


@pytest.fixture
def redis_down(settings, redis_url):
    """Cache and broker on a closed port, as `REDIS_URL` makes them (settings: `CACHES`, Celery)."""
    settings.API_SYNC_LAG_SECONDS = 0
    # pytest-django's `settings` sends `setting_changed`: Django drops its cache connections on it.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "wzjobs",
        }
    }
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = redis_url, False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.get("probe")
    yield
    conf.broker_url, conf.task_always_eager = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def token(reference_data):
    return api_client_create(name="渝悦就业")[1]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_api_answers_200_for_a_valid_token(client, token, township_a, redis_down, path):
    EmploymentFactory(worker=WorkerFactory(township=township_a))
    response = client.get(path, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200, response.content[:300]
    assert ApiAccessLog.objects.get().status == 200


def test_the_throttle_fails_open_logged_and_counted(client, token, redis_down, monkeypatch, caplog):
    """Each request let through is counted; the log says so at most once a minute, with the count."""
    monkeypatch.setattr(throttling, "_last_logged", None)
    before = throttling.cache_failures()
    with caplog.at_level(logging.WARNING, logger="wanzhou_jobs.api"):
        codes = [
            client.get("/api/v1/townships/", HTTP_AUTHORIZATION=f"Token {token}").status_code
            for _ in range(3)
        ]
    assert codes == [200, 200, 200]
    assert throttling.cache_failures() == before + 3
    warnings = [r.getMessage() for r in caplog.records if r.name == "wanzhou_jobs.api"]
    assert warnings == [
        "API throttle cache unavailable (ConnectionError); requests are let through unthrottled "
        f"({before + 1} so far in this process)"
    ]


def test_a_staff_session_logs_in_and_reads_the_api(client, bureau_user, township_a, redis_down):
    """Sessions and the login lockout (django-axes) live in the database, the throttle fails open."""
    EmploymentFactory(worker=WorkerFactory(township=township_a))
    response = client.post(reverse("login"), {"username": "bureau", "password": STRONG_PASSWORD})
    assert response.status_code == 302 and response["Location"] != reverse("login")
    assert client.get("/api/v1/employments/").status_code == 200
    assert client.get(reverse("targets:dashboard")).status_code == 200


def test_the_throttle_still_counts_when_the_cache_is_up(client, token, settings):
    """Failing open is for an unreachable cache only: with the cache up, the limit holds."""
    settings.API_THROTTLE_RATE = "2/minute"
    cache.clear()
    codes = [
        client.get("/api/v1/townships/", HTTP_AUTHORIZATION=f"Token {token}").status_code for _ in range(3)
    ]
    cache.clear()
    assert codes == [200, 200, 429]


def test_the_worker_form_saves_and_the_outbox_keeps_the_recompute(
    login, clerk_a, redis_down, django_capture_on_commit_callbacks
):
    client = login(clerk_a)
    id_number = make_id_number(date(1990, 5, 1))
    ProgressDirtyYear.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("admin:workers_worker_add"), _worker_post(id_number, job=_job()))
    assert response.status_code == 302, response.content.decode()[:2000]
    worker = Worker.objects.get(id_number=id_number)
    assert worker.employments.count() == 1
    assert callbacks, "the enqueue of the progress sweep was attempted (and failed softly)"
    assert ProgressDirtyYear.objects.filter(year=2026).exists()


@pytest.mark.postgres  # the child process must see the test database: an in-memory SQLite one it cannot
@pytest.mark.django_db(transaction=True)
def test_a_process_started_with_redis_url_on_a_closed_port_serves_the_api(token, redis_url):
    """The settings themselves: `REDIS_URL` at a closed port selects the Redis cache and broker, and the
    API still answers 200."""
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "assert settings.CACHES['default']['BACKEND'].endswith('RedisCache'), settings.CACHES\n"
        "token = __import__('sys').argv[1]\n"
        "response = Client().get('/api/v1/townships/', secure=True, HTTP_AUTHORIZATION='Token ' + token)\n"
        "print(response.status_code)\n"
    )
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="wanzhou_jobs.settings",
        DATABASE_URL=_database_url_for_subprocess(),
        REDIS_URL=redis_url,
        SECRET_KEY="test-only-key-for-a-child-process-0123456789-abcdefghijklmnopqrstuvwxyz",
    )
    env.pop("CACHE_URL", None)
    env.pop("TEST_DATABASE_NAME", None)
    result = subprocess.run(
        [sys.executable, "-c", script, token],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "200", result.stdout[-2000:] + result.stderr[-3000:]
