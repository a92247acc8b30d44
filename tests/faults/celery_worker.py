"""A real Celery worker for the fault tests: one prefork pool process, started as its own process."""

import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from wanzhou_jobs.celery import app as celery_app


@contextmanager
def prefork_worker_running(env: dict, log: Path, name: str):
    """Start `celery worker -P prefork -c 1` named `name` with `env`, logging to `log`; yield the process
    once it says "ready." (the queue purged first), and stop it at the end (terminated, killed if it hangs)."""
    celery_app.control.purge()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "wanzhou_jobs", "worker", "-P", "prefork", "-c", "1",
             "--without-gossip", "--without-mingle", "--loglevel=INFO", "-n", f"{name}@%h"],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            assert time.monotonic() < deadline and proc.poll() is None, log.read_text(errors="replace")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
