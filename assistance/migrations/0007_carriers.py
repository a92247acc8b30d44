"""Gig markets become carriers of employment (issue 20, item 8): the table is renamed, its rows keep their ids
and names (the channels employments are counted by) and take the kind 零工市场（驿站）."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0006_intentions"),
        ("targets", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel("GigMarket", "Carrier"),
        migrations.AlterModelOptions(
            name="carrier",
            options={"ordering": ["id"], "verbose_name": "就业载体", "verbose_name_plural": "就业载体"},
        ),
        migrations.AddField(
            model_name="carrier",
            name="kind",
            field=models.CharField(
                choices=[
                    ("gig_market", "零工市场（驿站）"),
                    ("incubator", "创业孵化基地"),
                    ("returnee_park", "农民工返乡创业园"),
                    ("full_employment", "充分就业社区（村）"),
                ],
                default="gig_market",
                max_length=16,
                verbose_name="载体类别",
            ),
        ),
    ]
