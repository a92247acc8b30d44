"""Registration history (issue 19, DESIGN.md §4.1): every worker gets one registration period, in their
current township, from 1900-01-01 (before any job the ledger can hold); every employment counts in that
township. The column becomes required, and joins the counting index, in 0008."""

from datetime import date

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def first_periods(apps, schema_editor):
    Worker = apps.get_model("workers", "Worker")
    Employment = apps.get_model("workers", "Employment")
    Period = apps.get_model("workers", "RegistrationPeriod")
    quote = schema_editor.connection.ops.quote_name
    worker, employment, period = (quote(m._meta.db_table) for m in (Worker, Employment, Period))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {period} (worker_id, township_id, from_date, reason, created_at) "  # noqa: S608
            f"SELECT w.id, w.township_id, %s, '', CURRENT_TIMESTAMP FROM {worker} w",
            [date(1900, 1, 1)],
        )
        cursor.execute(
            f"UPDATE {employment} SET registration_township_id = "  # noqa: S608
            f"(SELECT w.township_id FROM {worker} w WHERE w.id = {employment}.worker_id)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0005_staff_must_change_password"),
        ("workers", "0006_name_length_register"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RegistrationPeriod",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("from_date", models.DateField(verbose_name="起始日期")),
                ("until", models.DateField(blank=True, null=True, verbose_name="迁出日期")),
                ("reason", models.CharField(blank=True, max_length=200, verbose_name="迁移原因")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="办理时间")),
            ],
            options={
                "verbose_name": "户籍登记期间",
                "verbose_name_plural": "户籍登记期间",
                "ordering": ["worker", "from_date"],
            },
        ),
        migrations.AddField(
            model_name="employment",
            name="registration_township",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="targets.township",
                verbose_name="计数镇乡街道（就业时户籍）",
            ),
        ),
        migrations.AddField(
            model_name="registrationperiod",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="办理人",
            ),
        ),
        migrations.AddField(
            model_name="registrationperiod",
            name="township",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="targets.township",
                verbose_name="户籍所在镇乡街道",
            ),
        ),
        migrations.AddField(
            model_name="registrationperiod",
            name="worker",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="registrations",
                to="workers.worker",
                verbose_name="农民工",
            ),
        ),
        migrations.AddConstraint(
            model_name="registrationperiod",
            constraint=models.UniqueConstraint(
                fields=("worker", "from_date"), name="registration_worker_from"
            ),
        ),
        migrations.AddConstraint(
            model_name="registrationperiod",
            constraint=models.UniqueConstraint(
                condition=models.Q(("until__isnull", True)), fields=("worker",), name="registration_one_open"
            ),
        ),
        migrations.AddConstraint(
            model_name="registrationperiod",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("until__isnull", True), ("until__gt", models.F("from_date")), _connector="OR"
                ),
                name="registration_until_after",
            ),
        ),
        migrations.RunPython(first_periods, migrations.RunPython.noop, elidable=True),
    ]
