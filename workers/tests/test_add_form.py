"""The add form as a clerk meets it (issue 18, item 11): the township is shown before saving, and an ID
number already registered in the clerk's township links to that person's page."""

from datetime import date

import pytest
from django.urls import reverse

from workers.models import Worker
from workers.tests.factories import WorkerFactory, make_id_number
from workers.tests.test_admin import _worker_post

pytestmark = pytest.mark.django_db


def test_the_add_form_shows_the_clerks_township(login, clerk_a):
    body = login(clerk_a).get(reverse("admin:workers_worker_add")).content.decode()
    readonly = body.split("户籍所在镇乡街道")[1][:400]
    assert "甘宁镇" in readonly


def test_a_duplicate_in_the_own_township_links_to_the_person(login, clerk_a, township_a, township_b):
    existing = WorkerFactory(township=township_a, name="王秀英", id_number=make_id_number(date(1980, 1, 2)))
    client = login(clerk_a)
    body = client.post(
        reverse("admin:workers_worker_add"), _worker_post(existing.id_number, name="王秀英")
    ).content.decode()
    link = reverse("admin:workers_worker_change", args=[existing.pk])
    assert f'<a href="{link}">打开此人的登记页</a>' in body
    assert Worker.objects.filter(id_number=existing.id_number).count() == 1
    # Another township's person: the township's name only, no link.
    other = WorkerFactory(township=township_b, id_number=make_id_number(date(1981, 3, 4)))
    body = client.post(
        reverse("admin:workers_worker_add"), _worker_post(other.id_number, name="别人")
    ).content.decode()
    assert "该公民身份号码已在分水镇登记" in body
    assert reverse("admin:workers_worker_change", args=[other.pk]) not in body
