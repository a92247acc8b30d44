"""Production settings: `check --deploy` is clean with the documented environment (THREATS J1), fails on a
weak key, and the settings refuse to start without SECRET_KEY unless DEBUG is on (issue 16 §6)."""

import os
import runpy
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from tests.settings import TEST_SECRET_KEY
from wanzhou_jobs.checks import secret_key_check

PRODUCTION_KEY = "a-production-secret-key-that-is-long-and-random-0123456789-abcdefghijklmnop"
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": PRODUCTION_KEY,
    "ALLOWED_HOSTS": "jobs.wanzhou.example",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}
# What `make run` adds (the Makefile's LOCAL_ENV), with a key like the one it keeps in var/secret_key.
MAKE_RUN_ENV = {"SECRET_KEY": "k" + PRODUCTION_KEY, "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false"}
# Every variable the settings read that the test run or a developer's shell may have set.
SETTINGS_VARIABLES = ("DEBUG", "SECRET_KEY", "SECRET_KEY_FALLBACKS", "SECURE_SSL_REDIRECT", "SECURE_COOKIES")


def manage(tmp_path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py ARGS` as an operator runs it: the project's settings module, only the variables given."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ["PATH"],
            "PYTHONIOENCODING": "utf-8",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
            **env,
        },
        capture_output=True,
        encoding="utf-8",
        timeout=120,  # a hang guard only
    )


def load_settings(monkeypatch, **env: str) -> dict:
    """The project's settings module run afresh with exactly these of its variables set."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(settings.BASE_DIR / "wanzhou_jobs" / "settings.py"))


def test_check_deploy_has_no_warnings(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_unset_secret_key_refuses_to_start_with_one_message(tmp_path):
    result = manage(tmp_path, "check", env={})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "未设置 SECRET_KEY，且 DEBUG 未开启：系统拒绝启动。请在环境中设置 SECRET_KEY（50 个以上的随机字符，"
        "见 .env.example）；在开发机上请用 make run。 SECRET_KEY is not set and DEBUG is off: refusing to "
        "start. Set SECRET_KEY (50+ random characters, see .env.example); on a developer machine use make run."
    ]


def test_makemigrations_check_runs_without_a_key(tmp_path):
    """Comparing the models with the migration files signs and serves nothing: no key needed."""
    result = manage(tmp_path, "makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    # Any other command still refuses.
    assert manage(tmp_path, "migrate", "--check", env={}).returncode == 1


def test_check_deploy_fails_on_the_test_key(tmp_path):
    result = manage(tmp_path, "check", "--deploy", env={**PRODUCTION_ENV, "SECRET_KEY": TEST_SECRET_KEY})
    assert result.returncode == 1
    assert "(wanzhou_jobs.E001) SECRET_KEY 是开发或测试用的密钥" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_refuse_to_load_without_a_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load_settings(monkeypatch)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load_settings(monkeypatch, DEBUG="false", SECURE_SSL_REDIRECT="false")


def test_debug_without_a_key_makes_a_random_development_key(monkeypatch):
    first = load_settings(monkeypatch, DEBUG="true")["SECRET_KEY"]
    second = load_settings(monkeypatch, DEBUG="true")["SECRET_KEY"]
    assert first.startswith("django-insecure-") and second.startswith("django-insecure-")
    assert first != second and len(first) >= 50


@pytest.mark.parametrize(
    "env, https",
    [
        (PRODUCTION_ENV, True),
        ({"SECRET_KEY": PRODUCTION_KEY}, True),  # DEBUG off is production: HTTPS unless turned off
        (MAKE_RUN_ENV, False),  # `make run` serves plain HTTP on 127.0.0.1
        ({"DEBUG": "true"}, False),
    ],
)
def test_https_redirect_and_secure_cookies_follow_debug(monkeypatch, env, https):
    loaded = load_settings(monkeypatch, **env)
    assert (loaded["SECURE_SSL_REDIRECT"], loaded["SESSION_COOKIE_SECURE"], loaded["CSRF_COOKIE_SECURE"]) == (
        https,
        https,
        https,
    )


def test_the_test_run_serves_plain_http_with_its_own_key():
    assert settings.SETTINGS_MODULE == "tests.settings"
    assert (settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE) == (False, False)
    assert os.environ["SECRET_KEY"] == settings.SECRET_KEY  # what the processes a test starts read too


@pytest.mark.parametrize(
    "key, fallbacks, ids",
    [
        (PRODUCTION_KEY, [], []),
        (TEST_SECRET_KEY, [], ["wanzhou_jobs.E001"]),
        ("django-insecure-" + "x1y2z3" * 10, [], ["wanzhou_jobs.E001"]),  # what DEBUG makes
        ("insecure-local-only-key-set-SECRET_KEY-in-production-0123456789", [], ["wanzhou_jobs.E001"]),
        ("change-me", [], ["wanzhou_jobs.E001"]),
        ("Sh0rt-but-random-k3y", [], ["wanzhou_jobs.E001"]),  # 20 characters
        ("ab" * 40, [], ["wanzhou_jobs.E001"]),  # long, two distinct characters
        (PRODUCTION_KEY, ["change-me"], ["wanzhou_jobs.E002"]),
    ],
)
def test_secret_key_check(key, fallbacks, ids):
    with override_settings(SECRET_KEY=key, SECRET_KEY_FALLBACKS=fallbacks):
        assert [error.id for error in secret_key_check()] == ids
