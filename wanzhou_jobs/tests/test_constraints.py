"""Every database constraint has a Chinese message at the field it concerns (issue 18, item 2)."""

from datetime import date

import pytest
from django.apps import apps
from django.urls import reverse

from wanzhou_jobs.constraints import MESSAGES, ConstraintMessages

PROJECT_APPS = {"targets", "workers", "assistance", "subsidies", "reporting", "monitoring", "wanzhou_jobs"}


def test_every_constraint_of_every_model_has_a_message_at_a_real_field():
    seen = set()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for constraint in model._meta.constraints:
            seen.add(constraint.name)
            assert constraint.name in MESSAGES, f"{model._meta.label}: {constraint.name} has no message"
            field, message = MESSAGES[constraint.name]
            model._meta.get_field(field)  # raises if the field does not exist
            assert "约束" not in str(message)
            assert issubclass(model, ConstraintMessages), f"{model._meta.label} lacks ConstraintMessages"
    assert set(MESSAGES) == seen, f"messages of constraints that no longer exist: {set(MESSAGES) - seen}"


@pytest.mark.django_db
def test_a_constraint_met_only_at_the_database_shows_its_message_at_its_field(reference_data):
    """A model form that reaches the constraint itself (no service check before it) shows the message."""
    from django import forms

    from targets.models import Township

    class TownshipForm(forms.ModelForm):
        class Meta:
            model = Township
            fields = ["code", "name", "kind"]

    form = TownshipForm({"code": "5001", "name": "测试镇", "kind": "镇"})
    assert not form.is_valid()
    assert form.errors == {"code": ["区划代码应为 9 位数字。"]}


@pytest.mark.django_db
def test_an_end_date_before_the_start_shows_next_to_the_end_date(login, clerk_a):
    from workers.tests.factories import make_id_number
    from workers.tests.test_admin import _job, _worker_post

    response = login(clerk_a).post(
        reverse("admin:workers_worker_add"),
        _worker_post(
            make_id_number(date(1990, 5, 1)), job=_job(start_date="2026-03-02", end_date="2026-02-01")
        ),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "employment_end_after_start" not in body and "是无效的" not in body
    form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert form.errors == {"end_date": ["离职时间不能早于就业时间。"]}
