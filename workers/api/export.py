"""The streamed export of the employments feed as NDJSON or CSV (DESIGN.md §6; THREATS.md E6): the scoped,
filtered live records without tombstones. On PostgreSQL it is `COPY (SELECT …) TO STDOUT` with scoping,
filters and masking in SQL (values always bound as parameters), streamed block by block; elsewhere a
chunked iterator over the feed's rows. A CSV cell Excel would read as a formula gets a leading `'`.
"""

import csv
import io
import json
from collections.abc import Iterator

from django.db import connection, transaction
from django.utils import timezone

from targets.scoping import Scope

from .filters import FeedFilters
from .querysets import employment_queryset
from .records import _EMPLOYMENT_VALUES, EMPLOYMENT_FIELDS, employment_row
from .sql import _pg_columns, _pg_from, _pg_local, _pg_where

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


def export_select(filters: FeedFilters, scope: Scope, *, unmasked: bool) -> tuple[str, list]:
    """The export's SELECT on PostgreSQL: the feed's columns with native types, masked unless `unmasked`,
    limited by the filters and by `scope` (a `targets.scoping.Scope`). Every value is a bound parameter."""
    where, params = _pg_where(filters, scope)
    columns = ", ".join(f"{expression} AS {name}" for name, expression in _pg_columns(unmasked))
    sql = f"SELECT {columns} {_pg_from()} WHERE {' AND '.join(where)}"  # noqa: S608 - values are bound
    return sql, params
