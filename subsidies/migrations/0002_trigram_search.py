"""A trigram (pg_trgm) GIN index for the application list's search by applicant name, on PostgreSQL only
(issue 27); SQLite keeps its plain search."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS "application_subject_name_trgm" ON "subsidies_application" '
            'USING gin ((UPPER("subject_name"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "application_subject_name_trgm"')


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
