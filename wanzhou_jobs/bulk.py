"""Inserting many new rows at once without building a model instance for each.

`bulk_insert(Model, columns, rows)` takes plain tuples of field values. On PostgreSQL it streams them with `COPY`
(the physical reference of the import benchmark: hundreds of thousands of rows a second); elsewhere it
falls back to `bulk_create`. Either way it runs inside the caller's transaction, the database checks every
constraint, and no signal fires (like `bulk_create`): callers record one audit event for the batch.

Fields not named take their model default; `auto_now` / `auto_now_add` fields take one
timestamp for the whole call. Primary keys are not returned: callers find the new rows again by a
column they set (the import batch id, a natural key).

`StartedInsert` is the same insert started on a thread of its own, so that the database inserts and
checks the rows while the caller goes on with work that does not need it (the return import checks its
rows meanwhile).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.db import connections, models, router
from django.utils import timezone

# Field types whose Python values psycopg adapts as they are (no Django conversion needed).
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,  # DateTimeField is a subclass
    models.DecimalField,
    models.ForeignKey,
)


def bulk_insert(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """Insert `rows`, tuples of values for the fields named by `columns` (attnames: `township_id`), into
    `model`'s table. Every other field takes its default. Returns the number of rows inserted."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return _bulk_create(model, columns, rows, connection.alias)
    with connection.wrap_database_errors, connection.cursor() as cursor:  # psycopg's errors become Django's
        _copy(cursor.cursor, *_copy_records(model, columns, rows, connection))
    return len(rows)


class StartedInsert:
    """`bulk_insert` that runs while the caller goes on (PostgreSQL): the COPY goes out on a thread of
    its own, on the caller's connection and inside the caller's transaction, and the new rows' foreign
    keys are checked there too (SET CONSTRAINTS ALL IMMEDIATE, then DEFERRED again), so the database
    does its part while Python does something else. The caller must not use the database until it has
    called `wait()`, which re-raises any database error as Django's. Elsewhere the insert runs at once.
    """

    def __init__(self, model: type[models.Model], columns: list[str], rows: list[tuple]):
        self._connection = connections[router.db_for_write(model)]
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        if self._connection.vendor != "postgresql" or not rows:
            bulk_insert(model, columns, rows)
            return
        if not self._connection.in_atomic_block:
            raise RuntimeError("StartedInsert belongs inside a transaction")
        self._connection.ensure_connection()
        copy_args = _copy_records(model, columns, rows, self._connection)
        self._thread = threading.Thread(
            target=self._run,
            args=(self._connection.connection, copy_args),
            name="started-insert",
            daemon=True,
        )
        self._thread.start()

    def _run(self, raw, copy_args) -> None:
        try:
            with raw.cursor() as cursor:
                _copy(cursor, *copy_args)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks what is pending, here and now
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread by wait()
            self._error = exc

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            with self._connection.wrap_database_errors:
                raise error


def _fields(model, columns: list[str]) -> tuple[list, list]:
    """The fields named by `columns` (KeyError names a wrong one at once) and the model's other fields."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    given = [by_attname[name] for name in columns]
    named = set(columns)
    return given, [f for f in by_attname.values() if f.attname not in named]


def _bulk_create(model, columns: list[str], rows: list[tuple], alias: str) -> int:
    _given, rest = _fields(model, columns)
    now = timezone.now()
    tail = {f.attname: _default(f, now) for f in rest}
    objects = [model(**dict(zip(columns, row, strict=True)), **tail) for row in rows]
    model.objects.using(alias).bulk_create(objects, batch_size=500)
    return len(objects)


def _default(f, now):
    # get_default() gives "" for text fields that are not null, like Django
    return now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()


def _copy_records(
    model, columns: list[str], rows: list[tuple], connection
) -> tuple[str, list[str], Iterable]:
    """The COPY statement, the column types and the records (Django's conversions applied) for `rows`."""
    given, rest = _fields(model, columns)
    now = timezone.now()
    defaults = tuple(_default(f, now) for f in rest)
    fields = given + rest
    converters = [(i, f) for i, f in enumerate(fields) if not isinstance(f, _PLAIN)]

    def records():  # one at a time, as COPY sends them
        for row in rows:
            record = row + defaults
            if converters:
                record = list(record)
                for index, f in converters:
                    if record[index] is not None:
                        record[index] = f.get_db_prep_save(record[index], connection=connection)
            yield record

    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    statement = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
    return statement, [_pg_type(f, connection) for f in fields], records()


def _copy(cursor, statement: str, types: list[str], records: Iterable) -> None:
    """COPY `records` on a psycopg cursor."""
    with cursor.copy(statement) as copy:
        copy.set_types(types)
        write = copy.write_row
        for record in records:
            write(record)


def filter_in(queryset, field_name: str, values, *, chunk: int = 2000):
    """Rows of `queryset` whose `field_name` is one of `values`, for tens of thousands of values.

    On PostgreSQL one query with `= ANY(%s)` and the values as a single array parameter (a long
    `IN (%s, %s, …)` list costs more to build and parse than to run); elsewhere `IN` in chunks.
    """
    values = sorted(set(values))
    if not values:
        return
    if connections[queryset.db].vendor == "postgresql":
        yield from queryset.filter(**{f"{field_name}__any": values})
        return
    for start in range(0, len(values), chunk):
        yield from queryset.filter(**{f"{field_name}__in": values[start : start + chunk]})


@models.Field.register_lookup
class AnyLookup(models.Lookup):
    """`field__any=[…]` → `field = ANY(%s)` with the list as one array parameter (PostgreSQL only)."""

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            raise NotImplementedError("the any lookup needs PostgreSQL")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


models.ForeignObject.register_lookup(AnyLookup)


def _pg_type(f, connection) -> str:
    db_type = f.rel_db_type(connection) if f.is_relation else f.db_type(connection)
    return db_type.split("(")[0].strip()
