"""The assistance feeds of API v1 (issue 26, item 3): masking, scope, cursor, updated_since and the derived
employment status, checked against rows built by hand."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from assistance.tests.factories import EnrolmentFactory
from targets.api import api_client_create
from workers.models import Worker, Workplace
from workers.tests.factories import EmploymentFactory, HouseholdFactory, WorkerFactory
from workers.validators import mask_id_number

pytestmark = pytest.mark.django_db

ENROLMENTS, STATUS, COVERAGE = (
    "/api/v1/enrolments/",
    "/api/v1/employment-status/",
    "/api/v1/household-coverage/",
)


@pytest.fixture
def people(township_a, township_b):
    """In 甘宁镇 a household of three: employed, outside, unemployed since a job ended; in 分水镇 one person."""
    today = timezone.localdate()
    house = HouseholdFactory(township=township_a)
    a = [WorkerFactory(township=township_a, household=house, job_intention="厨师") for _ in range(3)]
    EmploymentFactory(worker=a[0], start_date=date(2025, 3, 1))
    EmploymentFactory(worker=a[1], start_date=date(2025, 3, 1), workplace=Workplace.OUT_OF_CITY)
    EmploymentFactory(worker=a[2], start_date=date(2025, 3, 1), end_date=today - timedelta(days=10))
    for w in a:
        EnrolmentFactory(worker=w)
    house_b = HouseholdFactory(township=township_b)
    b = WorkerFactory(township=township_b, household=house_b, labour_capacity=Worker.LabourCapacity.FULL)
    EnrolmentFactory(worker=b)
    return a, b


def _get(client, url, token, **params):
    response = client.get(url, params, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_employment_status_is_derived_from_the_ledger(client, people):
    a, b = people
    token = api_client_create(name="city")[1]
    rows = {r["id"]: r for r in _get(client, STATUS, token)["results"]}
    today = timezone.localdate()
    assert rows[a[0].pk]["status"] == "employed"
    assert rows[a[1].pk]["status"] == "outside"
    assert (rows[a[2].pk]["status"], rows[a[2].pk]["unemployed_since"]) == (
        "unemployed",
        (today - timedelta(days=9)).isoformat(),
    )
    assert (rows[b.pk]["status"], rows[b.pk]["unemployed_since"]) == ("unemployed", None)
    assert rows[a[0].pk]["job_intention"] == "厨师"
    assert rows[a[0].pk]["person"]["id_number"] == mask_id_number(a[0].id_number)


def test_unmasked_client_sees_full_numbers_and_enrolments_carry_category(client, people):
    a, _b = people
    token = api_client_create(name="city-full", unmasked=True)[1]
    results = _get(client, ENROLMENTS, token)["results"]
    assert len(results) == 4
    row = next(r for r in results if r["person"]["name"] == a[0].name)
    assert row["person"]["id_number"] == a[0].id_number
    assert (row["category"], row["entry_date"], row["exit_date"]) == ("防止返贫致贫对象", "2025-01-10", None)


def test_household_coverage(client, people, township_a):
    token = api_client_create(name="city")[1]
    rows = {r["township_name"]: r for r in _get(client, COVERAGE, token)["results"]}
    assert (rows["甘宁镇"]["members"], rows["甘宁镇"]["employed"], rows["甘宁镇"]["covered"]) == (3, 2, True)
    assert (rows["分水镇"]["employed"], rows["分水镇"]["covered"]) == (0, False)
    only_a = _get(client, COVERAGE, token, township=township_a.code)["results"]
    assert [r["township_name"] for r in only_a] == ["甘宁镇"]


def test_cursor_pages_through_every_row_once(client, people):
    token = api_client_create(name="city")[1]
    seen, page = [], _get(client, ENROLMENTS, token, page_size=1)
    while True:
        seen += [r["id"] for r in page["results"]]
        if not page["next"]:
            break
        page = _get(client, ENROLMENTS, token, page_size=1, cursor=page["next"])
    assert len(seen) == len(set(seen)) == 4


def test_updated_since_returns_only_changed_people(client, people):
    a, _b = people
    token = api_client_create(name="city")[1]
    later = timezone.now() + timedelta(seconds=1)
    assert _get(client, STATUS, token, updated_since=later.isoformat())["results"] == []
    Worker.objects.filter(pk=a[2].pk).update(updated_at=later + timedelta(seconds=1))
    rows = _get(client, STATUS, token, updated_since=later.isoformat())["results"]
    assert [r["id"] for r in rows] == [a[2].pk]


def test_staff_sessions_are_scoped_and_other_roles_refused(login, clerk_b, industry_user, people):
    _a, b = people
    rows = login(clerk_b).get(STATUS).json()["results"]
    assert [r["id"] for r in rows] == [b.pk]
    assert rows[0]["person"]["id_number"] == mask_id_number(b.id_number)


def test_industry_department_gets_403(client, login, industry_user, people):
    assert login(industry_user).get(ENROLMENTS).status_code == 403


def test_unknown_parameter_is_a_400(client, people):
    token = api_client_create(name="city")[1]
    response = client.get(ENROLMENTS, {"year": "2025"}, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 400
