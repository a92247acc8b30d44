"""Reads behind the employments and workers feeds and the export (DESIGN.md §6).

Feed order is the keyset (timestamp, source rank, id): live rows by (`updated_at`, 0, id), tombstones by
(`deleted_at`, 1, tombstone id). A page takes up to `size + 1` rows past the cursor from each source and
merges them, so a client walking with the cursor sees every change exactly in that order; a row changed
after it was served gets a later `updated_at` and comes again further on. Only rows older than the sync
horizon (`wanzhou_jobs.api.sync_horizon`) are served, so a slowly committing transaction is never skipped.

Rows are read with `values_list` and turned into dicts by plain functions (no serializer per row); ID
numbers and phone numbers are masked here, server-side, unless the client holds `read_unmasked`. The
export on PostgreSQL is `COPY (SELECT …) TO STDOUT` with scoping, filters and masking in SQL (values always
bound as parameters), streamed block by block; elsewhere a chunked iterator.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from targets.models import Industry, Township
from targets.scoping import Scope
from targets.selectors import industry_lookup, industry_resolve, township_lookup, township_resolve
from targets.services import UNKNOWN_INDUSTRY, UNKNOWN_TOWNSHIP
from wanzhou_jobs.api import ApiValidationError, api_scope, api_scoped
from workers.models import CATEGORY_FIELDS, Employer, Employment, Tombstone, Worker
from workers.validators import mask_id_number, mask_phone

FILTER_PARAMS = ("township", "industry", "year", "updated_since")
YEAR_MIN, YEAR_MAX = 2000, 2100

YEAR_INVALID = _("year 应为 {min} 至 {max} 之间的年份，如 2025。")
UPDATED_SINCE_INVALID = _(
    "updated_since 应为 ISO 8601 时间（如 2025-03-15T08:00:00+08:00）或日期（如 2025-03-15）；"
    "时区中的“+”在网址中须写作 %2B。"
)
FILTERS_INVALID = _("查询参数有误，请按 fields 中的说明修改。")

CATEGORY_LABELS = tuple(str(category.value) for category in CATEGORY_FIELDS)
CATEGORY_COLUMNS = tuple(CATEGORY_FIELDS.values())

# The fields of one record, in output order (also the CSV header and the access log's "fields").
EMPLOYMENT_FIELDS = (
    "id",
    "worker_id",
    "id_number",
    "name",
    "phone",
    "township_code",
    "township_name",
    "industry_code",
    "industry_name",
    "workplace",
    "workplace_township_code",
    "workplace_township_name",
    "form",
    "start_date",
    "end_date",
    "returnee",
    "categories",
    "employer_name",
    "employer_credit_code",
    "created_at",
    "updated_at",
)
WORKER_FIELDS = (
    "id",
    "id_number",
    "name",
    "phone",
    "township_code",
    "township_name",
    "categories",
    "created_at",
    "updated_at",
)
TOMBSTONE_FIELDS = ("id", "deleted", "deleted_at")

_EMPLOYMENT_VALUES = (
    "id",
    "worker_id",
    "worker__id_number",
    "worker__name",
    "worker__phone",
    "worker__township__code",
    "worker__township__name",
    "industry__code",
    "industry__name",
    "workplace",
    "workplace_township__code",
    "workplace_township__name",
    "form",
    "start_date",
    "end_date",
    "returnee",
    *(f"worker__{column}" for column in CATEGORY_COLUMNS),
    "employer__name",
    "employer__credit_code",
    "created_at",
    "updated_at",
)
_WORKER_VALUES = (
    "id",
    "id_number",
    "name",
    "phone",
    "township__code",
    "township__name",
    *CATEGORY_COLUMNS,
    "created_at",
    "updated_at",
)
_CAT_START = 16
_CAT_END = _CAT_START + len(CATEGORY_COLUMNS)
_W_CAT_END = 6 + len(CATEGORY_COLUMNS)


# --- Filters ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedFilters:
    township_id: int | None = None
    industry_id: int | None = None
    year: int | None = None
    updated_since: datetime | None = None


_SPACE_FOR_PLUS = re.compile(r"^(.+[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def parse_timestamp(value: str) -> datetime | None:
    """ISO 8601 date-time (naive = Asia/Shanghai) or date (its first instant); None if not one.

    A `+` of the offset that was not URL-encoded arrives as a space; it is put back."""
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", value.strip())
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = datetime.combine(day, time.min) if day is not None else None
        if parsed is None:
            return None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def filters_parse(params) -> FeedFilters:
    """`township` and `industry` by name or code, `year`, `updated_since`; 400 with Chinese messages."""
    errors: dict[str, str] = {}
    township = industry = year = since = None
    value = params.get("township", "").strip()
    if value:
        township = township_resolve(value[:60], township_lookup())
        if township is None:
            errors["township"] = UNKNOWN_TOWNSHIP.format(value=value[:40])
    value = params.get("industry", "").strip()
    if value:
        industry = industry_resolve(value[:60], industry_lookup())
        if industry is None:
            errors["industry"] = UNKNOWN_INDUSTRY.format(value=value[:40])
    value = params.get("year", "").strip()
    if value:
        year = int(value) if value.isascii() and value.isdigit() and len(value) == 4 else None
        if year is None or not YEAR_MIN <= year <= YEAR_MAX:
            errors["year"] = YEAR_INVALID.format(min=YEAR_MIN, max=YEAR_MAX)
    value = params.get("updated_since", "")
    if value.strip():
        since = parse_timestamp(value[:64])
        if since is None:
            errors["updated_since"] = str(UPDATED_SINCE_INVALID)
    if errors:
        message = next(iter(errors.values())) if len(errors) == 1 else FILTERS_INVALID
        raise ApiValidationError(message, errors)
    return FeedFilters(
        township_id=township.pk if township else None,
        industry_id=industry.pk if industry else None,
        year=year,
        updated_since=since,
    )


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


# --- Querysets (scoped) ----------------------------------------------------------------------------------


def employment_queryset(request, filters: FeedFilters) -> QuerySet:
    qs = Employment.objects.all()
    if filters.township_id:
        qs = qs.filter(worker__township_id=filters.township_id)
    if filters.industry_id:
        qs = qs.filter(industry_id=filters.industry_id)
    if filters.year:
        start, end = _year_range(filters.year)
        qs = qs.filter(start_date__gte=start, start_date__lt=end)
    if filters.updated_since:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    return api_scoped(qs, request, township_field="worker__township", industry_field="industry")


def employment_tombstones(request, filters: FeedFilters) -> QuerySet:
    qs = Tombstone.objects.filter(kind=Tombstone.Kind.EMPLOYMENT)
    if filters.township_id:
        qs = qs.filter(township_id=filters.township_id)
    if filters.industry_id:
        qs = qs.filter(industry_id=filters.industry_id)
    if filters.year:
        qs = qs.filter(start_year=filters.year)
    if filters.updated_since:
        qs = qs.filter(deleted_at__gte=filters.updated_since)
    return api_scoped(qs, request, township_field="township", industry_field="industry")


def worker_queryset(request, filters: FeedFilters) -> QuerySet:
    qs = Worker.objects.all()
    if filters.township_id:
        qs = qs.filter(township_id=filters.township_id)
    if filters.industry_id or filters.year:
        jobs = Employment.objects.filter(worker=OuterRef("pk"))
        if filters.industry_id:
            jobs = jobs.filter(industry_id=filters.industry_id)
        if filters.year:
            start, end = _year_range(filters.year)
            jobs = jobs.filter(start_date__gte=start, start_date__lt=end)
        qs = qs.filter(Exists(jobs))
    if filters.updated_since:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    return api_scoped(qs, request, township_field="township", industry_field="employments__industry")


def worker_tombstones(request, filters: FeedFilters) -> QuerySet:
    """A worker's tombstone carries only its id: it goes to every feed of the worker's township whatever
    the industry or year filter (and to industry departments), so no synced copy is left behind."""
    qs = Tombstone.objects.filter(kind=Tombstone.Kind.WORKER)
    if filters.township_id:
        qs = qs.filter(township_id=filters.township_id)
    if filters.updated_since:
        qs = qs.filter(deleted_at__gte=filters.updated_since)
    return api_scoped(qs, request, township_field="township", industry_field=None)


# --- Rows --------------------------------------------------------------------------------------------------


def _iso(value: datetime | None, tz) -> str | None:
    return value.astimezone(tz).isoformat(timespec="microseconds") if value is not None else None


def employment_row(r: tuple, unmasked: bool, tz) -> dict:
    phone = r[4]
    return {
        "id": r[0],
        "worker_id": r[1],
        "id_number": r[2] if unmasked else mask_id_number(r[2]),
        "name": r[3],
        "phone": (phone if unmasked else mask_phone(phone)) if phone else None,
        "township_code": r[5],
        "township_name": r[6],
        "industry_code": r[7],
        "industry_name": r[8],
        "workplace": r[9],
        "workplace_township_code": r[10],
        "workplace_township_name": r[11],
        "form": r[12],
        "start_date": r[13].isoformat(),
        "end_date": r[14].isoformat() if r[14] else None,
        "returnee": r[15],
        "categories": [
            label for label, flag in zip(CATEGORY_LABELS, r[_CAT_START:_CAT_END], strict=True) if flag
        ],
        "employer_name": r[_CAT_END],
        "employer_credit_code": r[_CAT_END + 1] or None,
        "created_at": _iso(r[_CAT_END + 2], tz),
        "updated_at": _iso(r[_CAT_END + 3], tz),
        "deleted": False,
    }


def worker_row(r: tuple, unmasked: bool, tz) -> dict:
    phone = r[3]
    return {
        "id": r[0],
        "id_number": r[1] if unmasked else mask_id_number(r[1]),
        "name": r[2],
        "phone": (phone if unmasked else mask_phone(phone)) if phone else None,
        "township_code": r[4],
        "township_name": r[5],
        "categories": [label for label, flag in zip(CATEGORY_LABELS, r[6:_W_CAT_END], strict=True) if flag],
        "created_at": _iso(r[_W_CAT_END], tz),
        "updated_at": _iso(r[_W_CAT_END + 1], tz),
        "deleted": False,
    }


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


def _after(qs: QuerySet, field: str, rank: int, cursor: tuple[datetime, int, int]) -> QuerySet:
    """Rows of a source of rank `rank` whose key (field, rank, id) is past `cursor`. Written so that an index
    on `field` serves it (`field >= ts` is the index condition, the rest a filter)."""
    ts, cursor_rank, pk = cursor
    if cursor_rank < rank:
        return qs.filter(**{f"{field}__gte": ts})
    if cursor_rank > rank:
        return qs.filter(**{f"{field}__gt": ts})
    return qs.filter(Q(**{f"{field}__gte": ts}) & (Q(**{f"{field}__gt": ts}) | Q(pk__gt=pk)))


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


# --- Export ------------------------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"
EXPORT_WORK_MEM = "64MB"  # PostgreSQL work_mem of the export's transaction (per hash table, one export)
CHUNK_BYTES = 64 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def csv_safe(value: str | None) -> str | None:
    """A cell Excel would read as a formula gets a leading `'` (THREATS.md E6)."""
    if value and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_cells(item: dict) -> list:
    cells = []
    for name in EMPLOYMENT_FIELDS:
        value = item[name]
        if name in ("name", "employer_name"):
            value = csv_safe(value)
        elif name == "categories":
            value = "、".join(value)
        elif name == "returnee":
            value = "true" if value else "false"
        cells.append("" if value is None else value)
    return cells


def _python_rows(request, filters: FeedFilters, unmasked: bool) -> Iterator[dict]:
    tz = timezone.get_current_timezone()
    qs = employment_queryset(request, filters).order_by("id").values_list(*_EMPLOYMENT_VALUES)
    for r in qs.iterator(chunk_size=2000):
        yield employment_row(r, unmasked, tz)


def _buffered(pieces: Iterator[bytes], first: bytes = b"") -> Iterator[bytes]:
    buffer = [first] if first else []
    size = len(first)
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


def _copy_chunks(copy, first: bytes = b"", *, unescape: bool = False) -> Iterator[bytes]:
    """COPY's rows (one block each) gathered into chunks of about `CHUNK_BYTES`. A chunk always ends at a
    row's end, so undoing COPY's backslash doubling chunk by chunk (`unescape`) is exact."""
    buffer = bytearray(first)
    for block in copy:
        buffer += block
        if len(buffer) >= CHUNK_BYTES:
            chunk = bytes(buffer)
            buffer.clear()
            yield chunk.replace(b"\\\\", b"\\") if unescape else chunk
    if buffer:
        chunk = bytes(buffer)
        yield chunk.replace(b"\\\\", b"\\") if unescape else chunk


class ExportStream:
    """The scoped feed (filters applied, live records, no tombstones) as NDJSON or CSV; `count` holds the
    number of records once the stream is exhausted."""

    def __init__(self, request, filters: FeedFilters, scope: Scope, *, unmasked: bool, fmt: str):
        self.request, self.filters, self.scope, self.unmasked, self.fmt = (
            request,
            filters,
            scope,
            unmasked,
            fmt,
        )
        self.count = 0

    def __iter__(self) -> Iterator[bytes]:
        if connection.vendor == "postgresql":
            return self._copy()
        return self._python()

    # Any database: a chunked iterator, dicts built like the feed's.
    def _python(self) -> Iterator[bytes]:
        rows = _python_rows(self.request, self.filters, self.unmasked)
        if self.fmt == "ndjson":
            yield from _buffered(self._ndjson_lines(rows))
        else:
            yield from _buffered(self._csv_lines(rows), BOM)

    def _ndjson_lines(self, rows) -> Iterator[bytes]:
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        for item in rows:
            del item["deleted"]
            self.count += 1
            yield (dumps(item) + "\n").encode()

    def _csv_lines(self, rows) -> Iterator[bytes]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(EMPLOYMENT_FIELDS)
        for item in rows:
            writer.writerow(_csv_cells(item))
            self.count += 1
            if out.tell() >= CHUNK_BYTES:
                yield out.getvalue().encode()
                out.seek(0)
                out.truncate()
        yield out.getvalue().encode()

    # PostgreSQL: COPY (SELECT …) TO STDOUT, masking and scoping in SQL.
    def _copy(self) -> Iterator[bytes]:
        inner, params = export_select(self.filters, self.scope, unmasked=self.unmasked)
        if self.fmt == "ndjson":
            sql = f"COPY (SELECT row_to_json(s) FROM ({inner}) s) TO STDOUT"  # noqa: S608 - parameters bound
        else:
            sql = f"COPY (SELECT {_CSV_COLUMNS} FROM ({inner}) s) TO STDOUT WITH (FORMAT csv, HEADER true)"  # noqa: S608
        with transaction.atomic():
            connection.ensure_connection()
            with connection.connection.cursor() as cursor:
                # Timestamps in the project's zone; one big join, whose hash tables would spill to temporary
                # files with the default 4 MB of work_mem.
                local = {"TimeZone": timezone.get_current_timezone_name(), "work_mem": EXPORT_WORK_MEM}
                with _pg_local(cursor, **local):
                    with cursor.copy(sql, params) as copy:  # noqa: SIM117 - the count is read in between
                        if self.fmt == "ndjson":
                            # COPY's text format doubles every backslash (JSON escapes); nothing else needs
                            # escaping because JSON text holds no raw tab, newline or carriage return.
                            yield from _copy_chunks(copy, unescape=True)
                        else:
                            yield from _copy_chunks(copy, BOM)
                    self.count = max(cursor.rowcount, 0)  # "COPY n": rows, the header not counted


@contextmanager
def _pg_local(cursor, **settings: str):
    """PostgreSQL settings for the statements inside, restored afterwards. `set_config(…, true)` lasts to the
    end of the transaction, which may be a caller's (a test's, or ATOMIC_REQUESTS): left in place, a session
    time zone other than UTC would make Django read every later timestamp wrong."""
    previous = {}
    for name, value in settings.items():
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        previous[name] = cursor.fetchone()[0]
    yield
    for name, value in previous.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _formula_safe_sql(column: str) -> str:
    return f"CASE WHEN left({column}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') THEN '''' || {column} ELSE {column} END"


_CSV_COLUMNS = ", ".join(
    {
        "name": _formula_safe_sql("s.name") + " AS name",
        "employer_name": _formula_safe_sql("s.employer_name") + " AS employer_name",
        "returnee": "CASE WHEN s.returnee THEN 'true' ELSE 'false' END AS returnee",
        "categories": "array_to_string(s.categories, '、') AS categories",
    }.get(name, f"s.{name}")
    for name in EMPLOYMENT_FIELDS
)


def _pg_where(filters: FeedFilters, scope: Scope) -> tuple[list[str], list]:
    """Scope and filters of the employments feed as SQL conditions on `e` (employment) and `w` (worker), the
    same rows `employment_queryset` selects. Every value is a bound parameter."""
    where, params = ["TRUE"], []
    if not scope.all_townships:
        where.append("w.township_id = ANY(%s)")
        params.append(sorted(scope.township_ids))
    if not scope.all_industries:
        where.append("e.industry_id = ANY(%s)")
        params.append(sorted(scope.industry_ids))
    if filters.township_id:
        where.append("w.township_id = %s")
        params.append(filters.township_id)
    if filters.industry_id:
        where.append("e.industry_id = %s")
        params.append(filters.industry_id)
    if filters.year:
        start, end = _year_range(filters.year)
        where.append("e.start_date >= %s AND e.start_date < %s")
        params += [start, end]
    if filters.updated_since:
        where.append("e.updated_at >= %s")
        params.append(filters.updated_since)
    return where, params


def _pg_columns(unmasked: bool) -> list[tuple[str, str]]:
    """(field, SQL expression) of an employment record in `EMPLOYMENT_FIELDS` order: native types, ID number
    and phone masked unless `unmasked`, timestamps as ISO 8601 text in the session's time zone (the caller
    sets it) exactly as `employment_row` writes them."""
    if unmasked:
        id_number, phone = "w.id_number", "NULLIF(w.phone, '')"
    else:
        id_number = "left(w.id_number, 6) || '********' || right(w.id_number, 4)"
        phone = "CASE WHEN w.phone = '' THEN NULL ELSE left(w.phone, 3) || '****' || right(w.phone, 4) END"
    categories = ", ".join(
        f"CASE WHEN w.{column} THEN '{label}' END"
        for column, label in zip(CATEGORY_COLUMNS, CATEGORY_LABELS, strict=True)
    )
    stamp = "'YYYY-MM-DD\"T\"HH24:MI:SS.USTZH:TZM'"
    columns = {
        "id": "e.id",
        "worker_id": "e.worker_id",
        "id_number": id_number,
        "name": "w.name",
        "phone": phone,
        "township_code": "t.code",
        "township_name": "t.name",
        "industry_code": "i.code",
        "industry_name": "i.name",
        "workplace": "e.workplace",
        "workplace_township_code": "wt.code",
        "workplace_township_name": "wt.name",
        "form": "e.form",
        "start_date": "e.start_date",
        "end_date": "e.end_date",
        "returnee": "e.returnee",
        "categories": f"array_remove(ARRAY[{categories}]::text[], NULL)",
        "employer_name": "em.name",
        "employer_credit_code": "NULLIF(em.credit_code, '')",
        "created_at": f"to_char(e.created_at, {stamp})",
        "updated_at": f"to_char(e.updated_at, {stamp})",
    }
    return [(name, columns[name]) for name in EMPLOYMENT_FIELDS]


def _pg_from() -> str:
    return f"""
        FROM {_q(Employment)} e
        JOIN {_q(Worker)} w ON w.id = e.worker_id
        JOIN {_q(Township)} t ON t.id = w.township_id
        JOIN {_q(Industry)} i ON i.id = e.industry_id
        JOIN {_q(Employer)} em ON em.id = e.employer_id
        LEFT JOIN {_q(Township)} wt ON wt.id = e.workplace_township_id
    """


def export_select(filters: FeedFilters, scope: Scope, *, unmasked: bool) -> tuple[str, list]:
    """The export's SELECT on PostgreSQL: the feed's columns with native types, masked unless `unmasked`,
    limited by the filters and by `scope` (a `targets.scoping.Scope`). Every value is a bound parameter."""
    where, params = _pg_where(filters, scope)
    columns = ", ".join(f"{expression} AS {name}" for name, expression in _pg_columns(unmasked))
    sql = f"SELECT {columns} {_pg_from()} WHERE {' AND '.join(where)}"  # noqa: S608 - values are bound
    return sql, params


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
            where.append("e.updated_at >= %s AND (e.updated_at > %s OR e.id > %s)")
            params += [ts, ts, pk]
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
