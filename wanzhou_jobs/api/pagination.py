"""Paging of the feeds (DESIGN.md §6): `page_size` (held within 1…`API_MAX_PAGE_SIZE`, THREATS.md B11), the
opaque keyset cursor (timestamp to the microsecond, source rank, id) and the sync horizon, the newest
timestamp a feed may serve, so that a slowly committing transaction is never skipped. `iso` writes the
timestamps of a response.
"""

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import ApiValidationError

_INTEGER = re.compile(r"[-+]?[0-9]+")

CURSOR_INVALID = _("游标无效：请使用上一页返回的 cursor 或 next 原样调用。")
PAGE_SIZE_INVALID = _("page_size 应为整数，如 1000（小于 1 按 1、大于 {max} 按 {max} 处理）。")


def page_size_parse(value: str | None) -> int:
    """`page_size`: default `API_PAGE_SIZE`; an integer outside 1…`API_MAX_PAGE_SIZE` is brought to the nearer
    bound, never refused (THREATS.md B11 caps it; the schema says so); only a value that is no integer is a 400.
    """
    maximum = settings.API_MAX_PAGE_SIZE
    if value in (None, ""):
        return settings.API_PAGE_SIZE
    text = value.strip()
    if not _INTEGER.fullmatch(text):
        message = PAGE_SIZE_INVALID.format(max=maximum)
        raise ApiValidationError(message, {"page_size": message})
    size = int(text) if len(text) <= 12 else (0 if text.startswith("-") else maximum)  # 10**4000 is huge too
    return max(1, min(size, maximum))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR_RE = re.compile(r"^1\.(-?\d{1,17})\.(-1|0|1)\.(\d{1,19})$")


def cursor_encode(ts: datetime, rank: int, pk: int) -> str:
    """Opaque keyset position (timestamp to the microsecond, source rank, id) of the last item served."""
    micros = (ts - _EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"1.{micros}.{rank}.{pk}".encode()).decode().rstrip("=")


def cursor_decode(text: str) -> tuple[datetime, int, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raw = ""
    match = _CURSOR_RE.match(raw)
    if not match or len(text) > 80:
        raise ApiValidationError(CURSOR_INVALID, {"cursor": CURSOR_INVALID})
    try:
        ts = _EPOCH + timedelta(microseconds=int(match.group(1)))
    except OverflowError:
        raise ApiValidationError(CURSOR_INVALID, {"cursor": CURSOR_INVALID})
    return ts, int(match.group(2)), int(match.group(3))


def sync_horizon() -> datetime:
    """The newest timestamp a feed may serve: rows stamped later are held back.

    A row's `updated_at` is set before its transaction commits, so a slow transaction can commit a row whose
    timestamp a fast client's cursor has already passed ("commit skew"). Serving only rows older than
    `now − API_SYNC_LAG_SECONDS`, and on PostgreSQL also older than the start of the oldest transaction
    that is still writing to this database, closes that gap: a held-back row is served on a later call,
    never skipped. Assumes the web and worker clocks agree with each other (one NTP-synchronised host).
    """
    horizon = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )
            oldest = cursor.fetchone()[0]
        if oldest is not None and oldest < horizon:
            horizon = oldest
    return horizon - timedelta(seconds=settings.API_SYNC_LAG_SECONDS)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in the project's time zone (`2025-03-15T10:00:00.123456+08:00`)."""
    return timezone.localtime(value).isoformat() if value is not None else None
