"""Settings of the test run (pytest.ini names this module): the project's settings with a test-only key.

`wanzhou_jobs.settings` refuses to start without SECRET_KEY when DEBUG is off, and the suite must run with
nothing set. The key below is public; it carries Django's "django-insecure-" marker, which `check --deploy`
refuses (wanzhou_jobs/checks.py). Like `make run`, the test client speaks plain HTTP. The values go into the
environment, so the processes a test starts (manage.py, a Celery worker) load the same settings.
"""

import os

TEST_SECRET_KEY = "django-insecure-test-only-key-of-the-test-suite-never-for-production-0123456789"

os.environ.setdefault("SECRET_KEY", TEST_SECRET_KEY)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")

from wanzhou_jobs.settings import *  # noqa: E402, F403

if USING_POSTGRES:  # noqa: F405
    # The suite commits often (live-server and transactional tests, flushes between them) and never needs a
    # commit to survive a crash of the server: do not wait for the WAL to reach the disk.
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = (_options.get("options", "") + " -c synchronous_commit=off").strip()
