"""Trigram (pg_trgm) GIN indexes for the admin's name and text searches, on PostgreSQL only (issue 27).

Django's ``icontains`` is ``UPPER(col::text) LIKE UPPER('%term%')``; the index is built on that very
expression so a search for a name of three characters or more reads the index instead of every row.
SQLite keeps its plain search: the operation does nothing there.
"""

from django.db import migrations

INDEXES = [
    ("worker_name_trgm", "workers_worker", "name"),
    ("employer_name_trgm", "workers_employer", "name"),
    ("employer_credit_code_trgm", "workers_employer", "credit_code"),
    ("household_number_trgm", "workers_household", "number"),
    ("household_head_name_trgm", "workers_household", "head_name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("workers", "0010_page_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
