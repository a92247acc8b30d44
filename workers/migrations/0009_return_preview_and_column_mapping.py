"""Issue 17, items 4-5: a batch keeps its preview rows and its column mapping, and may be discarded; a
township remembers its clerk's column mapping per set of header texts (ReturnColumnMapping)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0005_staff_must_change_password"),
        ("workers", "0008_registration_township_required"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="column_map",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="列对应"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="preview",
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name="预览"),
        ),
        migrations.AlterField(
            model_name="importbatch",
            name="status",
            field=models.CharField(
                choices=[
                    ("uploaded", "已上传"),
                    ("validating", "校验中"),
                    ("validated", "校验通过，待确认"),
                    ("rejected", "有错误，未导入"),
                    ("queued", "排队导入中"),
                    ("importing", "导入中"),
                    ("imported", "已导入"),
                    ("failed", "导入失败"),
                    ("rolled_back", "已撤销"),
                    ("discarded", "已放弃（未导入）"),
                ],
                default="uploaded",
                max_length=12,
                verbose_name="状态",
            ),
        ),
        migrations.CreateModel(
            name="ReturnColumnMapping",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("headers_key", models.CharField(max_length=64, verbose_name="表头指纹")),
                ("headers", models.JSONField(default=list, verbose_name="文件表头")),
                ("mapping", models.JSONField(default=dict, verbose_name="列对应")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="确认时间")),
                (
                    "township",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="targets.township",
                        verbose_name="镇乡街道",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="确认人",
                    ),
                ),
            ],
            options={
                "verbose_name": "季度报表列对应",
                "verbose_name_plural": "季度报表列对应",
                "constraints": [
                    models.UniqueConstraint(fields=("township", "headers_key"), name="column_mapping_once")
                ],
            },
        ),
    ]
