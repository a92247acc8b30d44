"""deploy/ (issue 21): the nginx site, the systemd units and gunicorn's configuration agree with the settings."""

import re
import runpy
from pathlib import Path

from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy"
SIZES = {"k": 1024, "m": 1024**2, "g": 1024**3}


def test_nginx_upload_limit_equals_upload_max_bytes():
    text = (DEPLOY / "nginx" / "wanzhou-jobs.conf").read_text()
    (value,) = re.findall(r"^\s*client_max_body_size\s+(\d+)([kmg]?);", text, re.M)
    assert int(value[0]) * SIZES.get(value[1], 1) == settings.UPLOAD_MAX_BYTES


def test_nginx_adds_no_header_django_sets_on_proxied_responses():
    text = (DEPLOY / "nginx" / "wanzhou-jobs.conf").read_text()
    proxied = text[text.index("location / {\n        proxy_pass") :]
    for header in (
        "Strict-Transport-Security",
        "X-Frame-Options",
        "Content-Security-Policy",
        "Referrer-Policy",
    ):
        assert header not in proxied
    assert "X-Request-ID $request_id" in proxied


def test_systemd_units_restart_and_read_one_environment_file():
    for name in ("web", "worker", "beat"):
        unit = (DEPLOY / "systemd" / f"wanzhou-jobs-{name}.service").read_text()
        assert "Restart=on-failure" in unit
        assert "EnvironmentFile=/etc/wanzhou-jobs/env" in unit


def test_gunicorn_workers_follow_the_cpu_count(monkeypatch):
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 2)
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["workers"] == 5
    assert conf["timeout"] == 120
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 64)
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["workers"] == 17
