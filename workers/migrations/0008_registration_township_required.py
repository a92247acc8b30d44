"""Every employment has its registration township (filled by 0007); the counting index carries it, so the
yearly counts read the township from the index instead of joining the workers (bench/counting.py)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workers", "0007_registration_periods"),
    ]

    operations = [
        migrations.AlterField(
            model_name="employment",
            name="registration_township",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="targets.township",
                verbose_name="计数镇乡街道（就业时户籍）",
            ),
        ),
        migrations.RemoveIndex(
            model_name="employment",
            name="employment_first_job",
        ),
        migrations.AddIndex(
            model_name="employment",
            index=models.Index(
                condition=models.Q(("workplace", "in_district")),
                fields=["worker", "start_date", "id", "industry", "returnee", "registration_township"],
                name="employment_first_job_township",
            ),
        ),
    ]
