"""Employers through the job form (issue 16, item 4): the employer field of a clerk's job form offers, and
accepts, only the employers of the employer list — organisations with a credit code and those already used
in the clerk's township. A posted id of another township's sole trader is refused and links nothing."""

from datetime import date

import pytest
from django.urls import reverse

from subsidies.tests.conftest import make_credit_code
from workers.models import Employment, Worker
from workers.selectors import employers_visible
from workers.tests.factories import EmployerFactory, EmploymentFactory, WorkerFactory, make_id_number
from workers.tests.test_admin import _job, _worker_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def sole_trader_b(township_b):
    """A 分水镇 sole trader named like a person, used by no other township, with no credit code."""
    employer = EmployerFactory(name="冉秋菊", credit_code="")
    EmploymentFactory(worker=WorkerFactory(township=township_b), employer=employer)
    return employer


def test_posted_employer_id_of_another_township_is_refused(login, clerk_a, sole_trader_b):
    client = login(clerk_a)
    id_number = make_id_number(date(1990, 5, 1))
    response = client.post(
        reverse("admin:workers_worker_add"),
        _worker_post(id_number, job=_job(employer=str(sole_trader_b.pk), new_employer_name="")),
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Worker.objects.filter(id_number=id_number).exists()
    assert Employment.objects.filter(employer=sole_trader_b).count() == 1
    # … and the employer stays out of the clerk's employer list and autocomplete.
    assert sole_trader_b not in employers_visible(clerk_a)
    listing = client.get(reverse("admin:workers_employer_changelist")).content.decode()
    assert "冉秋菊" not in listing


def test_employers_of_the_list_are_accepted_by_id(login, clerk_a, township_a, sole_trader_b):
    organisation = EmployerFactory(name="重庆某某有限公司", credit_code=make_credit_code())
    used_here = EmployerFactory(name="甘宁个体户", credit_code="")
    EmploymentFactory(worker=WorkerFactory(township=township_a), employer=used_here)
    client = login(clerk_a)
    id_number = make_id_number(date(1991, 6, 1))
    response = client.post(
        reverse("admin:workers_worker_add"),
        _worker_post(id_number, job=_job(employer=str(used_here.pk), new_employer_name="")),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Worker.objects.get(id_number=id_number).employments.get().employer == used_here
    assert set(employers_visible(clerk_a)) == {used_here, organisation}
