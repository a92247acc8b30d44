"""Throttling of the REST API (THREATS.md B): requests are counted per client system (at its own
`throttle_rate`, else `API_THROTTLE_RATE`), per staff user otherwise, else per IP; the 429 that
`errors.exception_handler` writes carries `Retry-After`.

The counts live in the cache, which shares `REDIS_URL` with the Celery broker. A cache that cannot be
reached fails open (issue 16): the request is served unthrottled rather than answered with a 500, and the
failure is logged on `wanzhou_jobs.api` (at most once a minute, with the running count) and counted by
`cache_failures()`, per process. Authentication, permission and the access log do not use the cache, so
the city system keeps syncing while Redis is down.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from .permissions import api_client

logger = logging.getLogger("wanzhou_jobs.api")

CACHE_FAILURE_LOG_SECONDS = 60

_failures = 0
_last_logged: float | None = None
_lock = threading.Lock()


def cache_failures() -> int:
    """How many throttle checks of this process found the cache unreachable and let the request through."""
    return _failures


def _cache_failed(error: Exception) -> None:
    global _failures, _last_logged
    with _lock:
        _failures += 1
        now = time.monotonic()
        log = _last_logged is None or now - _last_logged >= CACHE_FAILURE_LOG_SECONDS
        if log:
            _last_logged = now
        count = _failures
    if log:
        logger.warning(
            "API throttle cache unavailable (%s); requests are let through unthrottled (%d so far in this "
            "process)",
            type(error).__name__,
            count,
        )


class _FailOpenCache:
    """The throttle's view of the cache for one request: a read that fails is an empty history (the request
    passes), and the write that would follow is skipped; each failing request is counted once. Only the
    cache calls are guarded: a bug anywhere else in the throttle is still a 500."""

    def __init__(self):
        self.failed = False

    def get(self, key, default=None):
        try:
            return cache.get(key, default)
        except Exception as error:  # noqa: BLE001 - whatever the backend raises when it cannot be reached
            self.failed = True
            _cache_failed(error)
            return default

    def set(self, key, value, timeout=None) -> None:
        if self.failed:
            return
        try:
            cache.set(key, value, timeout)
        except Exception as error:  # noqa: BLE001 - as in `get`
            self.failed = True
            _cache_failed(error)


class ApiRateThrottle(SimpleRateThrottle):
    """Per client (its `throttle_rate`, else `API_THROTTLE_RATE`), per staff user, else per IP; fails open
    when the cache cannot be reached."""

    scope = "api"

    def __init__(self):
        super().__init__()
        self.cache = _FailOpenCache()

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def allow_request(self, request, view) -> bool:
        client = api_client(request)
        if client is not None and client.throttle_rate:
            self.rate = client.throttle_rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        client = api_client(request)
        if client is not None:
            ident = f"client-{client.pk}"
        elif getattr(request.user, "pk", None):
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle_api_{ident}"
