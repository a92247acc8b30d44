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


# --- A clerk completes a missing credit code (issue 18, item 3) -----------------------------------------


@pytest.fixture
def employer_a(township_a):
    employer = EmployerFactory(name="甘宁某某加工厂", credit_code="")
    EmploymentFactory(worker=WorkerFactory(township=township_a), employer=employer)
    return employer


def _change(client, employer, code):
    return client.post(
        reverse("admin:workers_employer_change", args=[employer.pk]),
        {"name": employer.name, "credit_code": code, "gb_division": employer.gb_division},
    )


def test_clerk_adds_a_missing_credit_code_audited(login, clerk_a, employer_a):
    from auditlog.models import LogEntry

    code = make_credit_code()
    response = _change(login(clerk_a), employer_a, code.lower())
    assert response.status_code == 302, response.content.decode()[:2000]
    employer_a.refresh_from_db()
    assert employer_a.credit_code == code and employer_a.name == "甘宁某某加工厂"
    entry = LogEntry.objects.get(additional_data__event="employer_credit_code")
    assert entry.actor == clerk_a and entry.object_pk == str(employer_a.pk)
    assert entry.additional_data["detail"] == {"old": "", "new": code}


def test_a_wrong_check_digit_or_someone_elses_code_is_refused(login, clerk_a, employer_a):
    client = login(clerk_a)
    code = make_credit_code()
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    response = _change(client, employer_a, bad)
    assert response.status_code == 200 and "校验" in response.content.decode()
    other = EmployerFactory(name="别家公司", credit_code=code)
    response = _change(client, employer_a, code)
    assert response.status_code == 200 and f"已属于单位“{other.name}”" in response.content.decode()
    employer_a.refresh_from_db()
    assert employer_a.credit_code == ""


def test_changing_an_existing_code_or_another_townships_employer_stays_with_the_bureau(
    login, clerk_a, clerk_b, employer_a, bureau_user, client
):
    code = make_credit_code()
    employer_a.credit_code = code
    employer_a.save()
    other_code = make_credit_code()
    assert _change(login(clerk_a), employer_a, other_code).status_code == 403
    client.logout()
    # 分水镇's clerk: the employer is not used there.
    employer_a.credit_code = ""
    employer_a.save()
    assert _change(login(clerk_b), employer_a, other_code).status_code in (302, 403, 404)
    employer_a.refresh_from_db()
    assert employer_a.credit_code == ""
    client.logout()
    employer_a.credit_code = code
    employer_a.save()
    assert _change(login(bureau_user), employer_a, other_code).status_code == 302
    employer_a.refresh_from_db()
    assert employer_a.credit_code == other_code
