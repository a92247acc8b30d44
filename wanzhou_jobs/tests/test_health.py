"""/healthz and /readyz (issue 21, item 2): ready means database, migrations and broker answer; the outbox's
and beat's lag are reported and warned about without turning the answer into a 503."""

import socket
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from targets.models import ProgressDirtyYear
from wanzhou_jobs import health
from wanzhou_jobs.models import Heartbeat
from wanzhou_jobs.tasks import heartbeat


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def no_broker(settings):
    settings.REDIS_URL = ""


def test_healthz_answers_without_touching_the_database(client):
    response = client.get("/healthz")  # no django_db mark: a query would raise
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_ok_reports_the_outbox_and_beat(client, no_broker):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": True, "migrations": True}
    assert body["outbox_oldest_age_seconds"] is None
    assert body["beat_last_at"] is None
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_is_503_naming_the_database_when_it_does_not_answer(client, no_broker, monkeypatch):
    def gone():
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr(health, "_database", gone)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": False}
    assert body["problems"]["database"].startswith("OperationalError: connection to server")


@pytest.mark.django_db
def test_readyz_is_503_with_unapplied_migrations(client, no_broker, monkeypatch):
    class Migration:
        app_label, name = "workers", "0099_new"

    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [(Migration, False)]
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == {"migrations": "1 unapplied migration(s): workers.0099_new"}


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_redis_is_down(client, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": True, "migrations": True, "broker": False}
    assert body["problems"]["broker"].startswith("ConnectionError")


@pytest.mark.django_db
def test_readyz_warns_but_stays_200_when_outbox_or_beat_are_stale(client, settings, monkeypatch):
    monkeypatch.setattr(health, "_broker", lambda: None)
    settings.REDIS_URL = "redis://configured"
    response = client.get("/readyz")
    assert response.json()["warnings"] == ["beat: no heartbeat yet; is celery beat running?"]

    heartbeat()
    ProgressDirtyYear.objects.create(year=2026)
    assert client.get("/readyz").json()["status"] == "ok"

    old = timezone.now() - timedelta(minutes=20)
    ProgressDirtyYear.objects.update(marked_at=old)
    Heartbeat.objects.update(beat_at=old)
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "warn"
    assert body["outbox_pending_years"] == 1
    assert 1199 < body["outbox_oldest_age_seconds"] < 1300
    assert [w.split(":")[0] for w in body["warnings"]] == ["progress outbox", "beat"]


def test_health_checks_answer_on_plain_http_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301
