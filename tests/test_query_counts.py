"""The pages people open all day ask the database the same number of questions whatever the number of rows
(issue 27): a page of 50 rows and a page of 5 cost the same queries, so an N+1 or a per-row subquery cannot
come back unnoticed. Each case opens a page with few rows, adds many, and opens it again."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import Course, CourseKind, Enrolment, EnrolmentCategory, Participation
from targets.models import Industry, Township
from workers.models import (
    REGISTERED_SINCE_UNKNOWN,
    Employer,
    Employment,
    EmploymentForm,
    Household,
    ImportBatch,
    RegistrationPeriod,
    Worker,
    Workplace,
)
from workers.services import employer_key
from workers.tests.factories import make_id_number

pytestmark = pytest.mark.django_db

_SURNAMES = "王李张刘陈杨黄赵吴周"
_serial = iter(range(10**6))


def _add_people(township: Township, count: int, *, jobs_each: int = 2) -> None:
    """`count` people of `township`, each in a household of their own with `jobs_each` jobs, written in bulk."""
    industry = Industry.objects.get(code="02")
    first = next(_serial)
    for _ in range(count - 1):
        next(_serial)
    employer = Employer.objects.create(
        name=f"万州计数企业{first}有限公司", name_key=employer_key(f"万州计数企业{first}有限公司")
    )
    households = Household.objects.bulk_create(
        Household(
            number=f"Q{township.pk:03d}{first + i:08d}", township=township, village="柳湾村", head_name="户主"
        )
        for i in range(count)
    )
    workers = Worker.objects.bulk_create(
        Worker(
            id_number=make_id_number(),
            name=_SURNAMES[i % 10] + "计数",
            township=township,
            village="柳湾村",
            household=household,
            sex="1",
            birth_date=date(1980, 1, 1),
        )
        for i, household in enumerate(households)
    )
    RegistrationPeriod.objects.bulk_create(
        RegistrationPeriod(worker=w, township=township, from_date=REGISTERED_SINCE_UNKNOWN) for w in workers
    )
    course = Course.objects.create(
        name=f"计数培训班{first}",
        kind=CourseKind.PROJECT,
        provider="万州区职业培训学校",
        start_date=date(2025, 3, 1),
        end_date=date(2025, 3, 20),
        follow_up_until=date(2025, 9, 20),
        township=township,
    )
    Participation.objects.bulk_create(Participation(course=course, worker=w) for w in workers)
    uploader = get_user_model().objects.get_or_create(username="query_counts_uploader")[0]
    ImportBatch.objects.bulk_create(
        ImportBatch(
            township=township,
            year=2025,
            quarter=1 + i % 4,
            file_name=f"{first + i}.xlsx",
            file_sha256=f"{first + i:064d}",
            status="imported",
            uploaded_by=uploader,
        )
        for i in range(count)
    )
    Employment.objects.bulk_create(
        Employment(
            worker=w,
            employer=employer,
            employer_key=employer.name_key,
            industry=industry,
            workplace=Workplace.IN_DISTRICT,
            workplace_township=township,
            form=EmploymentForm.UNIT,
            start_date=date(2025, 3, 1) + timedelta(days=j * 40),
            registration_township=township,
        )
        for w in workers
        for j in range(jobs_each)
    )


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, params, response.status_code)
    return len(ctx.captured_queries)


def _assert_flat(client, township, url, params=None):
    _queries(client, url, params)  # caches (content types, sessions) warm
    few = _queries(client, url, params)
    _add_people(township, 120)
    many = _queries(client, url, params)
    assert many == few, f"{url} {params}: {few} queries with few rows, {many} with many"


@pytest.fixture
def seeded(township_a, township_b):
    _add_people(township_a, 3)
    _add_people(township_b, 3)


ADMIN_LISTS = [
    ("admin:workers_worker_changelist", None),
    ("admin:workers_worker_changelist", {"q": "王计数"}),
    ("admin:workers_worker_changelist", {"village": "柳湾村"}),
    ("admin:workers_worker_changelist", {"employed": "yes"}),
    ("admin:workers_household_changelist", None),
    ("admin:workers_employment_changelist", None),
    ("admin:workers_employment_changelist", {"start_date__year": 2025}),
    ("admin:workers_employer_changelist", None),
    ("admin:workers_importbatch_changelist", None),
    ("admin:assistance_course_changelist", None),
    ("admin:assistance_participation_changelist", None),
]


@pytest.mark.parametrize(("name", "params"), ADMIN_LISTS)
@pytest.mark.parametrize("role", ["bureau_user", "clerk_a"])
def test_admin_lists_cost_the_same_queries_for_many_rows(
    request, login, seeded, township_a, role, name, params
):
    client = login(request.getfixturevalue(role))
    _assert_flat(client, township_a, reverse(name), params)


def test_household_autocomplete_costs_the_same_queries_for_many_rows(login, clerk_a, seeded, township_a):
    client = login(clerk_a)
    params = {"app_label": "workers", "model_name": "worker", "field_name": "household", "term": "Q"}
    _assert_flat(client, township_a, reverse("admin:autocomplete"), params)


def test_worker_change_page_costs_the_same_queries_whatever_the_ledger_size(
    login, clerk_a, seeded, township_a
):
    client = login(clerk_a)
    worker = Worker.objects.filter(township=township_a).first()
    _assert_flat(client, township_a, reverse("admin:workers_worker_change", args=[worker.pk]))


def test_worker_change_page_offers_households_by_search_not_a_list(
    login, clerk_a, seeded, township_a, township_b
):
    """The household field is an autocomplete: the page lists no household, and a household of another
    township posted by hand is not one of the choices."""
    client = login(clerk_a)
    worker = Worker.objects.filter(township=township_a).first()
    body = client.get(reverse("admin:workers_worker_change", args=[worker.pk])).content.decode()
    start = body.index('name="household"')
    select = body[start : body.index("</select>", start)]
    assert "admin-autocomplete" in select
    assert select.count("<option") <= 2  # the person's own household (and the empty choice), no list
    other_township = Household.objects.filter(township=township_b).first()
    auto = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "workers",
            "model_name": "worker",
            "field_name": "household",
            "term": other_township.number,
        },
    )
    assert auto.json()["results"] == []


def test_job_forms_read_their_choices_once_whatever_the_number_of_jobs(login, clerk_a, township_a):
    """The job forms share their industry and township choices: a person with six jobs reads those lists
    as often as a person with one. (Each job still checks its quarter's lock and shows its employer.)"""
    _add_people(township_a, 1, jobs_each=1)
    _add_people(township_a, 1, jobs_each=6)
    one, six = Worker.objects.filter(township=township_a).order_by("pk")
    client = login(clerk_a)

    def choice_queries(worker):
        url = reverse("admin:workers_worker_change", args=[worker.pk])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        tables = ('FROM "targets_industry"', 'FROM "targets_township"')
        return [sum(q["sql"].count(t) for q in ctx.captured_queries) for t in tables]

    choice_queries(one)
    assert choice_queries(six) == choice_queries(one)


@pytest.mark.parametrize("name", ["admin:workers_worker_changelist", "admin:workers_employment_changelist"])
def test_facet_counts_are_not_offered_on_big_lists(login, bureau_user, seeded, name):
    """Facets run one count per filter choice over the whole list (minutes at a district's scale)."""
    client = login(bureau_user)
    url = reverse(name)
    plain = _queries(client, url)
    assert "_facets" not in client.get(url).content.decode()
    assert _queries(client, url, {"_facets": "True"}) == plain


def _enrol_everyone(township: Township) -> None:
    """Every person of `township` not yet in assistance enters it on 2025-01-01 (open enrolment)."""
    Enrolment.objects.bulk_create(
        Enrolment(
            worker=w, category=EnrolmentCategory.MONITORED, entry_date=date(2025, 1, 1), entry_reason="监测"
        )
        for w in Worker.objects.filter(township=township, enrolments__isnull=True)
    )


ASSISTANCE_AND_PEOPLE_PAGES = [
    ("targets:people", {"year": 2025}),
    ("targets:people", {"year": 2025, "township": "TOWNSHIP"}),
    ("assistance:worklist", None),
    ("assistance:people", None),
    ("assistance:people", {"status": "not_enrolled"}),
]


@pytest.mark.parametrize(("name", "params"), ASSISTANCE_AND_PEOPLE_PAGES)
@pytest.mark.parametrize("role", ["bureau_user", "clerk_a"])
def test_people_lists_cost_the_same_queries_for_many_rows(
    request, login, seeded, township_a, role, name, params
):
    """The people drill-down, the 1131 worklist and the assistance people list (issue 27: driven from the
    earliest jobs and the open enrolments, a page's people fetched at once) with 3 and with 123 people."""
    client = login(request.getfixturevalue(role))
    params = {k: township_a.code if v == "TOWNSHIP" else v for k, v in (params or {}).items()}
    _enrol_everyone(township_a)
    url = reverse(name)
    _queries(client, url, params)
    few = _queries(client, url, params)
    _add_people(township_a, 120)
    _enrol_everyone(township_a)
    many = _queries(client, url, params)
    assert many == few, f"{url} {params}: {few} queries with few rows, {many} with many"
    if params.get("status") != "not_enrolled":  # everyone of township A is enrolled
        assert client.get(url, params).content.decode().count("计数") >= 20  # the page lists people
