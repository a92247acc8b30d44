"""The employments and workers feeds (DESIGN.md §6): keyset pages of live records and tombstones.

Feed order is the keyset (timestamp, source rank, id): live rows by (`updated_at`, 0, id), tombstones by
(`deleted_at`, 1, tombstone id). A page takes up to `size + 1` rows past the cursor from each source and
merges them, so a client walking with the cursor sees every change exactly in that order; a row changed
after it was served gets a later `updated_at` and comes again further on. Only rows older than the sync
horizon (`wanzhou_jobs.api.sync_horizon`) are served, so a slowly committing transaction is never skipped.
On PostgreSQL the live employments of a page are rendered as JSON by the database (`pg_live_page`).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Field, Func, QuerySet, Value
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from targets.scoping import Scope
from wanzhou_jobs.api import api_scope
from workers.models import Employment, Worker

from .filters import FeedFilters
from .querysets import employment_queryset, employment_tombstones, worker_queryset, worker_tombstones
from .records import (
    _EMPLOYMENT_VALUES,
    _WORKER_VALUES,
    EMPLOYMENT_FIELDS,
    WORKER_FIELDS,
    _iso,
    employment_row,
    worker_row,
)
from .sql import _pg_columns, _pg_from, _pg_local, _pg_where, _q


@dataclass(frozen=True)
class Feed:
    name: str
    fields: tuple[str, ...]
    values: tuple[str, ...]
    row: object
    live: object
    tombstones: object


EMPLOYMENTS = Feed(
    "employments",
    EMPLOYMENT_FIELDS,
    _EMPLOYMENT_VALUES,
    employment_row,
    employment_queryset,
    employment_tombstones,
)
WORKERS = Feed("workers", WORKER_FIELDS, _WORKER_VALUES, worker_row, worker_queryset, worker_tombstones)


# --- Keyset pages ------------------------------------------------------------------------------------------

LIVE_RANK, TOMBSTONE_RANK = 0, 1


class _Row(Func):
    """A row value `(a, b)`, compared as a whole."""

    function = ""
    output_field = Field()


def _after(qs: QuerySet, field: str, rank: int, cursor: tuple[datetime, int, int]) -> QuerySet:
    """Rows of a source of rank `rank` whose key (field, rank, id) is past `cursor`. Within the cursor's own
    source the condition is the row comparison `(field, id) > (ts, pk)`: PostgreSQL makes it one index
    condition on an index on (field, id), so a page starts at the cursor however many rows share its
    timestamp (a whole import has one `updated_at`), where `field >= ts AND (field > ts OR id > pk)` reads
    the tie from its first row. SQLite compares row values the same way."""
    ts, cursor_rank, pk = cursor
    if cursor_rank < rank:
        return qs.filter(**{f"{field}__gte": ts})
    if cursor_rank > rank:
        return qs.filter(**{f"{field}__gt": ts})
    meta = qs.model._meta
    values = _Row(Value(ts, output_field=meta.get_field(field)), Value(pk, output_field=meta.pk))
    return qs.filter(GreaterThan(_Row(F(field), F("pk")), values))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RawJSON(str):
    """One record's JSON text, already rendered (by PostgreSQL); `FeedRenderer` splices it in as it is."""

    __slots__ = ()


@dataclass
class Page:
    items: list[dict | RawJSON]
    last_key: tuple[datetime, int, int] | None
    has_more: bool


def feed_page(
    feed: Feed,
    request,
    filters: FeedFilters,
    *,
    cursor: tuple[datetime, int, int] | None,
    size: int,
    horizon: datetime,
    unmasked: bool,
) -> Page:
    dead = feed.tombstones(request, filters).filter(deleted_at__lt=horizon)
    if cursor is not None:
        dead = _after(dead, "deleted_at", TOMBSTONE_RANK, cursor)
    dead_rows = list(
        dead.order_by("deleted_at", "id").values_list("id", "object_id", "deleted_at")[: size + 1]
    )
    tz = timezone.get_current_timezone()
    if feed is EMPLOYMENTS and connection.vendor == "postgresql":
        # The hot path of a full sync: PostgreSQL writes each record's JSON (as the export does).
        keyed = [
            (key, text, False)
            for key, text in pg_live_page(
                filters,
                api_scope(request),
                cursor=cursor,
                size=size + 1,
                horizon=horizon,
                unmasked=unmasked,
            )
        ]
        build = None
    else:
        live = feed.live(request, filters).filter(updated_at__lt=horizon)
        if cursor is not None:
            live = _after(live, "updated_at", LIVE_RANK, cursor)
        live_rows = list(live.order_by("updated_at", "id").values_list(*feed.values)[: size + 1])
        keyed = [((r[-1], LIVE_RANK, r[0]), r, False) for r in live_rows]
        build = feed.row
    if dead_rows:
        keyed += [((t[2], TOMBSTONE_RANK, t[0]), t, True) for t in dead_rows]
        keyed.sort(key=lambda item: item[0])
    has_more = len(keyed) > size
    keyed = keyed[:size]
    items = [
        {"id": r[1], "deleted": True, "deleted_at": _iso(r[2], tz)}
        if dead
        else (r if build is None else build(r, unmasked, tz))
        for _key, r, dead in keyed
    ]
    return Page(items=items, last_key=keyed[-1][0] if keyed else None, has_more=has_more)


# Microseconds since the epoch of a timestamptz, exact on every PostgreSQL version (the keyset position).
_PG_MICROS = (
    "(EXTRACT(EPOCH FROM date_trunc('second', e.updated_at))::bigint * 1000000"
    " + mod(EXTRACT(MICROSECONDS FROM e.updated_at)::bigint, 1000000))"
)


def pg_live_page(
    filters: FeedFilters,
    scope: Scope,
    *,
    cursor: tuple[datetime, int, int] | None,
    size: int,
    horizon: datetime,
    unmasked: bool,
) -> list[tuple[tuple[datetime, int, int], "RawJSON"]]:
    """Up to `size` live employments past `cursor`, each as its JSON text built by PostgreSQL (masking, dates
    and categories as `employment_row` does them) with its keyset position — no row is parsed or rebuilt in
    Python. The same rows, in the same order, as the ORM path of `feed_page`."""
    where, params = _pg_where(filters, scope)
    where.append("e.updated_at < %s")
    params.append(horizon)
    if cursor is not None:
        ts, cursor_rank, pk = cursor
        if cursor_rank < LIVE_RANK:
            where.append("e.updated_at >= %s")
            params.append(ts)
        elif cursor_rank > LIVE_RANK:
            where.append("e.updated_at > %s")
            params.append(ts)
        else:
            # The row comparison is one index condition on employment_feed_order (see `_after`).
            where.append("(e.updated_at, e.id) > (%s, %s)")
            params += [ts, pk]
    columns = _pg_columns(unmasked)
    inner = ", ".join(f"{expression} AS {name}" for name, expression in columns)
    outer = ", ".join(f"p.{name}" for name, _expression in columns)
    # The page's keys first, from the employments alone (and the workers when the scope or a filter needs
    # them), then the joins for just those rows: rows that share one `updated_at` (a whole import is stamped
    # with one instant) are sorted by id as bare keys, not as joined records, so a page costs the same at
    # the end of the feed as at its start.
    worker_join = f"JOIN {_q(Worker)} w ON w.id = e.worker_id" if any("w." in c for c in where) else ""
    sql = f"""
        SELECT row_to_json(s)::text, p._k, p.id FROM (
            SELECT {inner}, false AS deleted, {_PG_MICROS} AS _k {_pg_from()}
            JOIN (
                SELECT e.id FROM {_q(Employment)} e {worker_join}
                WHERE {" AND ".join(where)} ORDER BY e.updated_at, e.id LIMIT %s
            ) k ON k.id = e.id
        ) p CROSS JOIN LATERAL (SELECT {outer}, p.deleted) s
        ORDER BY p._k, p.id
    """  # noqa: S608 - identifiers are quoted table names and fixed SQL; every value is a bound parameter
    params.append(size)
    zone = timezone.get_current_timezone_name()
    with transaction.atomic(), connection.cursor() as db, _pg_local(db, TimeZone=zone):
        db.execute(sql, params)
        rows = db.fetchall()
    return [((_EPOCH + timedelta(microseconds=k), LIVE_RANK, pk), RawJSON(text)) for text, k, pk in rows]
