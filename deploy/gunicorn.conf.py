"""gunicorn for the web process (issue 21): `gunicorn -c deploy/gunicorn.conf.py wanzhou_jobs.wsgi`.

Settings come from the environment like everything else (GUNICORN_* here, the rest in settings.py); nginx in
front buffers slow clients, so plain sync workers suffice: the longest request is a 20 MB upload read from
nginx's buffer, and an import runs in the Celery worker, not here.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# (2 × cores) + 1, the usual rule for sync workers waiting on the database; capped so a large host does not
# open more PostgreSQL connections than the server allows (each worker keeps one, DB_CONN_MAX_AGE).
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 17))
# GUNICORN_THREADS > 1: threaded workers (gthread), so a page is not queued behind uploads being validated
# in every process (bench/deadline.py measures both).
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
# A request taking longer than this is killed and logged: the exports stream, nothing else should come near.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so slow growth in one process never builds up (jitter: not all at once).
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200
# Code is loaded once in the master: workers fork fast and share its memory.
preload_app = True
# nginx sets these; gunicorn trusts them only from the local proxy.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The application writes one JSON line per request (wanzhou_jobs/logs.py) with the request id, user id and
# duration; gunicorn's own access log is off by default to avoid two lines per request. GUNICORN_ACCESS_LOG=-
# turns it on (stdout → journald), e.g. to see requests that never reached Django.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}i)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "wanzhou-jobs"
# gunicorn's run-time control socket is not used (systemd reloads with HUP); off, so it needs no writable home.
control_socket_disable = True
