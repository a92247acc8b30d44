"""Inserting many new rows at once without building a model instance for each.

`bulk_insert(Model, columns, rows)` takes plain tuples of field values. On PostgreSQL it streams them with `COPY`
(the physical reference of the import benchmark: hundreds of thousands of rows a second); elsewhere it
falls back to `bulk_create`. Either way it runs inside the caller's transaction, the database checks every
constraint, and no signal fires (like `bulk_create`): callers record one audit event for the batch.

Fields not named take their model default; `auto_now` / `auto_now_add` fields take one
timestamp for the whole call. Primary keys are not returned: callers find the new rows again by a
column they set (the import batch id, a natural key).
"""

from __future__ import annotations

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
    alias = router.db_for_write(model)
    connection = connections[alias]
    by_attname = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    given = [by_attname[name] for name in columns]  # KeyError names a wrong column at once
    now = timezone.now()
    named = set(columns)
    rest = [f for f in by_attname.values() if f.attname not in named]
    defaults = tuple(
        now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        for f in rest
    )  # get_default() gives "" for text fields that are not null, like Django
    if connection.vendor != "postgresql":
        tail = dict(zip((f.attname for f in rest), defaults, strict=True))
        objects = [model(**dict(zip(columns, row, strict=True)), **tail) for row in rows]
        model.objects.using(alias).bulk_create(objects, batch_size=500)
        return len(objects)

    fields = given + rest
    converters = [(i, f) for i, f in enumerate(fields) if not isinstance(f, _PLAIN)]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.wrap_database_errors,  # psycopg's errors become Django's (IntegrityError, …)
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types([_pg_type(f, connection) for f in fields])
        write = copy.write_row
        for row in rows:
            record = row + defaults
            if converters:
                record = list(record)
                for index, f in converters:
                    if record[index] is not None:
                        record[index] = f.get_db_prep_save(record[index], connection=connection)
            write(record)
    return len(rows)


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
