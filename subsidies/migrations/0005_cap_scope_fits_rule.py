"""Issue 20: a kind's cap scope is one its rule allows (after 0004 has set every kind's scope)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0004_cap_scope_data")]

    operations = [
        migrations.AddConstraint(
            model_name="subsidykind",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("cap_scope__in", ["entity_plan", "entity_year", "person_plan", "person_year"]),
                        ("rule", "startup"),
                    ),
                    models.Q(("cap_scope__in", ["person_plan", "person_year"]), ("rule", "hiring")),
                    models.Q(("cap_scope__in", ["fixed"]), ("rule", "loan_interest")),
                    models.Q(("cap_scope__in", ["fixed"]), ("rule", "park")),
                    models.Q(("cap_scope__in", ["subject_plan", "subject_year"]), ("rule", "labour_brand")),
                    models.Q(("cap_scope__in", ["applicant_year", "applicant_plan"]), ("rule", "yearly_cap")),
                    _connector="OR",
                ),
                name="subsidy_kind_scope_fits_rule",
            ),
        ),
    ]
