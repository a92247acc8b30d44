"""One JSON line per request and per task, the request id carried from web to the tasks it enqueues, and no
ID number or phone in any line (issue 21, item 3)."""

import json
import logging
import time
from pathlib import Path

import pytest
from django.conf import settings

from wanzhou_jobs import logs
from wanzhou_jobs.celery import app as celery_app
from wanzhou_jobs.models import Heartbeat
from wanzhou_jobs.tasks import heartbeat
from workers.tests.factories import make_id_number


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logs.JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def lines():
    handler = _Lines()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler.lines
    root.removeHandler(handler)


def test_one_json_line_per_request_with_request_and_user_id(login, clerk_a, lines):
    client = login(clerk_a)
    lines.clear()
    response = client.get("/ledger/returns/?page=1")
    assert response.status_code == 200
    (line,) = [line for line in lines if line["logger"] == "wanzhou_jobs.requests"]
    assert {other["request_id"] for other in lines} == {response["X-Request-ID"]}
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["user_id"] == clerk_a.pk
    assert line["method"] == "GET"
    assert line["path"] == "/ledger/returns/"  # never the query string: a search may hold an ID number
    assert line["status"] == 200
    assert line["level"] == "INFO"
    assert 0 < line["duration_ms"] < 60_000
    assert set(line) == {"time", "level", "logger", "message", "request_id", "user_id"} | {
        "method",
        "path",
        "status",
        "duration_ms",
    }


def test_nginx_request_id_is_kept_and_a_malformed_one_replaced(client, lines):
    response = client.get("/healthz", headers={"X-Request-ID": "0123456789abcdef0123456789abcdef"})
    assert response["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    assert lines[-1]["request_id"] == "0123456789abcdef0123456789abcdef"
    assert lines[-1]["user_id"] is None
    response = client.get("/nowhere/", headers={"X-Request-ID": "0123456789abcdef-not-found"})
    assert response.status_code == 404
    # Django's own "Not Found" line, written after the middleware returned, still has the request's id.
    assert [(line["logger"], line["request_id"]) for line in lines[-2:]] == [
        ("wanzhou_jobs.requests", "0123456789abcdef-not-found"),
        ("django.request", "0123456789abcdef-not-found"),
    ]
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\nforged line"})
    assert response["X-Request-ID"] != "bad id\nforged line"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_a_task_line_carries_the_request_id_of_the_request_that_enqueued_it(lines):
    token = logs.request_id_var.set("req-0123456789")
    try:
        heartbeat.delay()  # eager here: the same process, the same request id
    finally:
        logs.request_id_var.reset(token)
    (line,) = [line for line in lines if line["logger"] == "wanzhou_jobs.tasks"]
    assert line["task"] == "wanzhou_jobs.heartbeat"
    assert line["state"] == "SUCCESS"
    assert line["request_id"] == "req-0123456789"
    assert line["duration_ms"] >= 0


def test_published_task_headers_carry_the_request_id():
    headers = {}
    token = logs.request_id_var.set("req-abcdef012345")
    try:
        logs.on_before_task_publish(headers=headers)
    finally:
        logs.request_id_var.reset(token)
    assert headers == {"wz_request_id": "req-abcdef012345"}


def test_the_formatter_masks_id_numbers_and_phones_as_a_last_guard():
    id_number = make_id_number()
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "saw %s and %s", (id_number, "13812345678"), None
    )
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == f"saw {id_number[:6]}********{id_number[-4:]} and 138****5678"


@pytest.mark.redis
def test_a_real_worker_logs_the_task_as_json_with_the_request_id(celery_worker):
    token = logs.request_id_var.set("req-worker-0123456789")
    try:
        heartbeat.apply_async()
    finally:
        logs.request_id_var.reset(token)
    deadline = time.monotonic() + 20
    while not Heartbeat.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Heartbeat.objects.exists()
    time.sleep(0.5)
    log = max(
        (Path(settings.BASE_DIR) / "artifacts").glob("celery-worker-*.log"), key=lambda p: p.stat().st_mtime
    )
    task_lines = [
        json.loads(text)
        for text in log.read_text().splitlines()
        if text.startswith("{") and '"wanzhou_jobs.tasks"' in text
    ]
    assert [(t["task"], t["state"], t["request_id"]) for t in task_lines] == [
        ("wanzhou_jobs.heartbeat", "SUCCESS", "req-worker-0123456789")
    ]
    assert celery_app.conf.task_always_eager is False
