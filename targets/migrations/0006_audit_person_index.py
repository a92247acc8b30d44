"""Audit search by person (issue 27), on PostgreSQL only: an index on the worker key of the entries'
additional data (``additional_data -> 'worker'``, what `targets.audit.audit_entries` filters on) and a
trigram index for the admin's search of the entries' object name. SQLite keeps its plain search."""

from django.db import migrations

SQL = [
    'CREATE INDEX IF NOT EXISTS "audit_worker_key" ON "auditlog_logentry" (("additional_data" -> \'worker\'))',
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX IF NOT EXISTS "audit_object_repr_trgm" ON "auditlog_logentry" '
    'USING gin ((UPPER("object_repr"::text)) gin_trgm_ops)',
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in SQL:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "audit_worker_key"')
        schema_editor.execute('DROP INDEX IF EXISTS "audit_object_repr_trgm"')


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0005_staff_must_change_password"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
