"""The assistance feeds of API v1 (issue 26, item 3): masking, scope, cursor, updated_since and the derived
employment status, checked against rows built by hand."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from assistance.models import ServiceKind
from assistance.services.routine import service_delete
from assistance.tests.factories import EnrolmentFactory, ServiceRecordFactory
from targets.api import api_client_create
from workers.models import Worker, Workplace
from workers.tests.factories import EmploymentFactory, HouseholdFactory, WorkerFactory
from workers.validators import mask_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_sync_lag(settings):
    settings.API_SYNC_LAG_SECONDS = 0


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
        if not page["has_more"]:
            break
        page = _get(client, ENROLMENTS, token, page_size=1, cursor=page["cursor"])
    assert len(seen) == len(set(seen)) == 4


def _pull(client, url, token, cursor=""):
    """Every record past `cursor`, walking the pages; the cursor to store."""
    seen = []
    while True:
        page = _get(client, url, token, page_size=2, **({"cursor": cursor} if cursor else {}))
        seen += page["results"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return seen, cursor


@pytest.mark.parametrize("url", [ENROLMENTS, STATUS, COVERAGE])
def test_a_change_after_the_stored_cursor_comes_back(client, people, url):
    """Resuming from a stored cursor returns exactly what changed since: the person whose job ended (or
    whose enrolment exited) comes again, the others do not; an empty pull keeps the cursor."""
    a, _b = people
    token = api_client_create(name="city")[1]
    first, cursor = _pull(client, url, token)
    assert len(first) == len({r["id"] for r in first}) == {ENROLMENTS: 4, STATUS: 4, COVERAGE: 2}[url]
    assert _pull(client, url, token, cursor) == ([], cursor)
    if url == ENROLMENTS:
        a[0].enrolments.update(
            exit_date=timezone.localdate(), exit_reason="stable_employment", updated_at=timezone.now()
        )
    else:
        a[0].employments.update(end_date=timezone.localdate(), updated_at=timezone.now())
    again, _cursor = _pull(client, url, token, cursor)
    expected = {ENROLMENTS: a[0].enrolments.get().pk, STATUS: a[0].pk, COVERAGE: a[0].household_id}[url]
    assert [r["id"] for r in again] == [expected]


def test_updated_since_returns_only_changed_people(client, people):
    a, _b = people
    token = api_client_create(name="city")[1]
    since = timezone.now()
    assert _get(client, STATUS, token, updated_since=since.isoformat())["results"] == []
    Worker.objects.filter(pk=a[2].pk).update(updated_at=timezone.now())
    rows = _get(client, STATUS, token, updated_since=since.isoformat())["results"]
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


ROUTINE = "/api/v1/routine-status/"


def test_routine_status_counts_what_is_done_and_what_is_missing(client, login, clerk_b, people):
    """Plan task 8: "1次政策宣介、1次职业指导、3次岗位推送、1次就业培训推荐" — a person with all of it in 2025
    is complete; one with a briefing and one push lacks guidance, two pushes and the referral."""
    a, b = people
    for kind, n in ((ServiceKind.POLICY, 1), (ServiceKind.GUIDANCE, 1), (ServiceKind.JOB_PUSH, 3)):
        for i in range(n):
            ServiceRecordFactory(worker=a[0], kind=kind, date=date(2025, 3, 1 + i))
    ServiceRecordFactory(worker=a[0], kind=ServiceKind.TRAINING_REFERRAL, date=date(2025, 4, 1))
    ServiceRecordFactory(worker=b, kind=ServiceKind.POLICY, date=date(2025, 5, 1))
    ServiceRecordFactory(worker=b, kind=ServiceKind.JOB_PUSH, date=date(2025, 5, 2))
    ServiceRecordFactory(worker=b, kind=ServiceKind.JOB_PUSH, date=date(2024, 5, 2))  # another year
    token = api_client_create(name="city")[1]
    rows = {r["id"]: r for r in _get(client, ROUTINE, token, year=2025)["results"]}
    assert len(rows) == 4
    done = rows[a[0].pk]
    assert (done["policy"], done["guidance"], done["job_push"], done["training"]) == (1, 1, 3, 1)
    assert (done["complete"], done["missing"], done["year"], done["in_assistance"]) == (True, [], 2025, True)
    assert rows[b.pk]["complete"] is False
    assert rows[b.pk]["missing"] == ["职业指导 1 次", "岗位推送 2 次", "就业培训推荐 1 次"]
    assert rows[b.pk]["person"]["id_number"] == mask_id_number(b.id_number)
    # Scoped like the other feeds: the clerk of 分水镇 sees their own person; the industry department nothing.
    assert [r["id"] for r in login(clerk_b).get(ROUTINE, {"year": 2025}).json()["results"]] == [b.pk]
    assert _get(client, ROUTINE, token, year=2023)["results"] == []
    response = client.get(ROUTINE, {"year": "25"}, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 400


def test_routine_status_a_service_added_or_removed_comes_back_on_the_stored_cursor(
    client, people, bureau_user
):
    a, b = people
    record = ServiceRecordFactory(worker=b, kind=ServiceKind.POLICY, date=date(2025, 5, 1))
    token = api_client_create(name="city")[1]
    first = _get(client, ROUTINE, token, year=2025)
    cursor = first["cursor"]
    assert {r["id"]: r["policy"] for r in first["results"]}[b.pk] == 1
    assert _get(client, ROUTINE, token, year=2025, cursor=cursor)["results"] == []
    ServiceRecordFactory(worker=a[1], kind=ServiceKind.GUIDANCE, date=date(2025, 6, 1))
    page = _get(client, ROUTINE, token, year=2025, cursor=cursor)
    assert [(r["id"], r["guidance"]) for r in page["results"]] == [(a[1].pk, 1)]
    service_delete(acting_user=bureau_user, record=record)
    again = _get(client, ROUTINE, token, year=2025, cursor=page["cursor"])["results"]
    assert [(r["id"], r["policy"]) for r in again] == [(b.pk, 0)]
