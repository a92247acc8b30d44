"""Registration history (issue 19, DESIGN.md §4.1): hand-counted cases of a move — mid-year with jobs before
and after it, into a locked quarter, back again, twice in one year — and the pre-plan stock (§4.2) in every
rule. Each case is checked against the selectors and the snapshot; a locked period's briefing keeps every
cell. Runs on SQLite and, with DATABASE_URL, on PostgreSQL (its own counting SQL)."""

import io
import json
from datetime import UTC, date, datetime

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from assistance.selectors import subject_households
from assistance.tests.factories import EnrolmentFactory
from targets.models import Industry, Township
from targets.progress import progress_build, progress_recompute
from targets.selectors_dashboard import counted_people
from targets.selectors_dashboard.briefing import briefing_workbook
from targets.selectors_dashboard.numbers import DashboardProgress
from targets.services import quarter_lock
from workers.models import Employment, RegistrationPeriod, Workplace
from workers.selectors import (
    cumulative,
    distinct_people,
    nearby_employment_matrix,
    poverty_alleviated_in_work,
    returnee_counts,
)
from workers.services import (
    MOVE_BEFORE_LAST,
    MOVE_BUREAU_ONLY,
    MOVE_CHANGES_LOCKED_JOB,
    MOVE_IN_FUTURE,
    MOVE_IN_LOCKED_QUARTER,
    MOVE_SAME_TOWNSHIP,
    PRE_PLAN_JOB,
    EmploymentData,
    employment_record,
    employment_warnings,
    worker_move,
    worker_register,
)

from .factories import HouseholdFactory, make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def township_c(reference_data):
    return Township.objects.get(name="龙沙镇")


def _industry(code: str) -> Industry:
    return Industry.objects.get(code=code)


def _job(start: date, *, employer: str = "万州甲公司", industry: str = "02", returnee: bool = False, **kw):
    return EmploymentData(
        employer_name=employer,
        industry=_industry(industry),
        workplace=kw.pop("workplace", Workplace.IN_DISTRICT),
        workplace_township=kw.pop("workplace_township", Township.objects.get(name="甘宁镇")),
        form="单位就业",
        start_date=start,
        returnee=returnee,
        **kw,
    )


def _person(clerk, township, **kw):
    return worker_register(
        acting_user=clerk, id_number=make_id_number(date(1985, 4, 12)), name="张三", township=township, **kw
    )


def _by_township(year: int, **kw) -> dict[str, int]:
    names = dict(Township.objects.values_list("id", "name"))
    return {names[t]: n for t, n in nearby_employment_matrix(year=year, **kw).by_township().items() if n}


def _returnees(year: int) -> dict[str, int]:
    names = dict(Township.objects.values_list("id", "name"))
    return {names[t]: n for t, n in returnee_counts(year=year).items() if n}


def _snapshot_matches_selectors(year: int) -> None:
    """The stored snapshot equals the selectors, township by township."""
    data = progress_recompute(year=year).data
    matrix = nearby_employment_matrix(year=year)
    returnees = returnee_counts(year=year)
    codes = dict(Township.objects.values_list("code", "id"))
    assert data["district"]["count"] == matrix.total
    for row in data["townships"]:
        assert row["count"] == matrix.by_township().get(codes[row["code"]], 0), row["name"]
        assert row["returnee_count"] == returnees.get(codes[row["code"]], 0), row["name"]
    assert data["district"]["returnee_count"] == sum(returnees.values())


def _briefing_cells(year: int, as_of: date) -> list:
    progress = DashboardProgress(
        year, as_of, datetime(2026, 1, 1, tzinfo=UTC), True, progress_build(year=year, as_of=as_of)
    )
    book = openpyxl.load_workbook(io.BytesIO(briefing_workbook(progress)))
    return [[cell.value for row in sheet.iter_rows() for cell in row] for sheet in book.worksheets]


# --- a move mid-year, jobs before and after it --------------------------------------------------------------


def test_a_move_mid_year_keeps_the_earlier_figures(
    clerk_a, clerk_b, bureau_user, township_a, township_b, django_capture_on_commit_callbacks
):
    p = _person(clerk_a, township_a, categories=["脱贫人口"])
    q = worker_register(acting_user=clerk_a, id_number=make_id_number(), name="李四", township=township_a)
    employment_record(acting_user=clerk_a, worker=p, data=_job(date(2025, 3, 1)))
    employment_record(acting_user=clerk_a, worker=q, data=_job(date(2025, 10, 1), returnee=True))
    # Hand count before the move: 2025 A 2 (P in 02, Q in 02); returnees A 1 (Q).
    assert _by_township(2025) == {"甘宁镇": 2}
    before_briefing = _briefing_cells(2025, date(2025, 6, 30))

    with django_capture_on_commit_callbacks(execute=True):
        worker_move(
            acting_user=bureau_user, worker=p, township=township_b, on=date(2025, 7, 1), reason="婚迁"
        )
    p.refresh_from_db()
    assert p.township == township_b and p.version == 2
    assert list(
        RegistrationPeriod.objects.filter(worker=p).values_list("township__name", "from_date", "until")
    ) == [("甘宁镇", date(1900, 1, 1), date(2025, 7, 1)), ("分水镇", date(2025, 7, 1), None)]

    # After the move the new clerk keeps the record: jobs after the move count in B.
    employment_record(
        acting_user=clerk_b, worker=p, data=_job(date(2025, 9, 1), employer="万州乙公司", returnee=True)
    )
    employment_record(acting_user=clerk_b, worker=p, data=_job(date(2026, 2, 1), employer="万州丙公司"))
    with pytest.raises(PermissionDenied):
        employment_record(acting_user=clerk_a, worker=p, data=_job(date(2025, 11, 1), employer="万州丁公司"))
    assert dict(p.employments.values_list("start_date", "registration_township__name")) == {
        date(2025, 3, 1): "甘宁镇",
        date(2025, 9, 1): "分水镇",
        date(2026, 2, 1): "分水镇",
    }

    # 2025: P counts once, in A (earliest job, 03-01, when registered in A); Q in A.
    assert _by_township(2025) == {"甘宁镇": 2}
    assert _by_township(2025, township_ids=[township_b.pk]) == {}
    # Returnees once a year, where the earliest returnee job counted: P's 09-01 in B, Q's 10-01 in A.
    assert _returnees(2025) == {"甘宁镇": 1, "分水镇": 1}
    # 2026: P's job after the move counts in B.
    assert _by_township(2026) == {"分水镇": 1}
    assert cumulative(as_of=date(2026, 12, 31)).count == 3
    assert cumulative(as_of=date(2026, 12, 31), township_ids=[township_a.pk]).by_year == {
        2025: 2,
        2026: 0,
        2027: 0,
    }
    assert distinct_people(first_year=2025, last_year=2026) == 2
    # Rule 4.6 counts P in the township of registration on the day.
    assert poverty_alleviated_in_work(on=date(2025, 6, 30), township_ids=[township_a.pk]) == 1
    assert poverty_alleviated_in_work(on=date(2025, 7, 1), township_ids=[township_a.pk]) == 0
    assert poverty_alleviated_in_work(on=date(2025, 7, 1), township_ids=[township_b.pk]) == 1

    # Drill-down: A's list keeps P, marked moved out; B's 2025 list does not have P.
    a_list = list(counted_people(user=clerk_a, year=2025, township_id=township_a.pk))
    assert {(w.name, w.moved_out) for w in a_list} == {("张三", True), ("李四", False)}
    assert list(counted_people(user=clerk_b, year=2025, township_id=township_b.pk)) == []
    assert [w.name for w in counted_people(user=clerk_b, year=2026)] == ["张三"]

    for year in (2025, 2026):
        _snapshot_matches_selectors(year)
    # The figures up to the move are the same, cell by cell.
    assert _briefing_cells(2025, date(2025, 6, 30)) == before_briefing


def test_drill_down_page_marks_the_person_who_moved_and_masks_them_for_the_old_clerk(
    login, clerk_a, bureau_user, township_a, township_b
):
    p = _person(clerk_a, township_a)
    employment_record(acting_user=clerk_a, worker=p, data=_job(date(2025, 3, 1)))
    worker_move(acting_user=bureau_user, worker=p, township=township_b, on=date(2025, 7, 1))
    body = (
        login(clerk_a)
        .get(reverse("targets:people"), {"year": 2025, "township": township_a.code})
        .content.decode()
    )
    assert "已迁出" in body and "张*" in body and "张三" not in body
    assert f"/manage/workers/worker/{p.pk}/change/" not in body
    body = login(bureau_user).get(reverse("targets:people"), {"year": 2025}).content.decode()
    assert "已迁出" in body and "张三" in body


# --- a move into a locked quarter ------------------------------------------------------------------------


def test_a_move_is_refused_when_it_would_change_a_locked_quarter(
    clerk_a, bureau_user, township_a, township_b
):
    p = _person(clerk_a, township_a)
    employment_record(acting_user=clerk_a, worker=p, data=_job(date(2025, 3, 1)))
    employment_record(acting_user=clerk_a, worker=p, data=_job(date(2025, 8, 1), employer="万州乙公司"))
    quarter_lock(acting_user=bureau_user, year=2025, quarter=3)
    before = _briefing_cells(2025, date(2025, 9, 30))

    with pytest.raises(ValidationError) as exc:
        worker_move(acting_user=bureau_user, worker=p, township=township_b, on=date(2025, 8, 15))
    assert exc.value.messages == [str(MOVE_IN_LOCKED_QUARTER.format(date="2025-08-15", year=2025, quarter=3))]
    # A date in an open quarter that would carry a job of the locked quarter to B: refused too.
    with pytest.raises(ValidationError) as exc:
        worker_move(acting_user=bureau_user, worker=p, township=township_b, on=date(2025, 5, 1))
    assert exc.value.messages == [
        str(MOVE_CHANGES_LOCKED_JOB.format(start="2025-08-01", year=2025, quarter=3, township="分水镇"))
    ]
    assert RegistrationPeriod.objects.filter(worker=p).count() == 1

    # After the locked quarter the move goes through; the locked figures stay, cell by cell.
    worker_move(acting_user=bureau_user, worker=p, township=township_b, on=date(2025, 10, 1))
    assert set(p.employments.values_list("registration_township__name", flat=True)) == {"甘宁镇"}
    assert _briefing_cells(2025, date(2025, 9, 30)) == before
    _snapshot_matches_selectors(2025)


def test_move_refusals(clerk_a, clerk_b, bureau_user, township_a, township_b):
    p = _person(clerk_a, township_a)
    with pytest.raises(PermissionDenied) as exc:
        worker_move(acting_user=clerk_b, worker=p, township=township_b, on=date(2025, 5, 1))
    assert str(exc.value) == str(MOVE_BUREAU_ONLY)
    with pytest.raises(ValidationError) as exc:
        worker_move(acting_user=bureau_user, worker=p, township=township_a, on=date(2025, 5, 1))
    assert exc.value.messages == [str(MOVE_SAME_TOWNSHIP.format(township="甘宁镇"))]
    with pytest.raises(ValidationError) as exc:
        worker_move(acting_user=bureau_user, worker=p, township=township_b, on=date(2099, 1, 1))
    assert exc.value.messages == [str(MOVE_IN_FUTURE)]


# --- a move back, two moves in one year ---------------------------------------------------------------------


def test_a_move_back(clerk_a, bureau_user, township_a, township_b, django_capture_on_commit_callbacks):
    p = _person(clerk_a, township_a)
    employment_record(acting_user=clerk_a, worker=p, data=_job(date(2025, 2, 1)))
    employment_record(
        acting_user=clerk_a, worker=p, data=_job(date(2025, 5, 1), employer="万州乙公司", returnee=True)
    )
    employment_record(acting_user=clerk_a, worker=p, data=_job(date(2025, 11, 1), employer="万州丙公司"))
    employment_record(acting_user=clerk_a, worker=p, data=_job(date(2026, 1, 10), employer="万州丁公司"))
    with django_capture_on_commit_callbacks(execute=True):
        worker_move(acting_user=bureau_user, worker=p, township=township_b, on=date(2025, 4, 1))
    with django_capture_on_commit_callbacks(execute=True):
        worker_move(acting_user=bureau_user, worker=p, township=township_a, on=date(2025, 10, 1))
    assert [
        t for _s, t in sorted(p.employments.values_list("start_date", "registration_township__name"))
    ] == ["甘宁镇", "分水镇", "甘宁镇", "甘宁镇"]
    # Hand count: 2025 in A (02-01); returnee 05-01 in B; 2026 in A.
    assert _by_township(2025) == {"甘宁镇": 1}
    assert _returnees(2025) == {"分水镇": 1}
    assert _by_township(2026) == {"甘宁镇": 1}
    # Not before the last move.
    with pytest.raises(ValidationError) as exc:
        worker_move(acting_user=bureau_user, worker=p, township=township_b, on=date(2025, 9, 1))
    assert exc.value.messages == [str(MOVE_BEFORE_LAST.format(date="2025-10-01", township="甘宁镇"))]
    for year in (2025, 2026):
        _snapshot_matches_selectors(year)


def test_two_moves_in_one_year(clerk_a, bureau_user, township_a, township_b, township_c):
    p = _person(clerk_a, township_a, categories=["脱贫人口"])
    worker_move(acting_user=bureau_user, worker=p, township=township_b, on=date(2025, 3, 1))
    employment_record(acting_user=bureau_user, worker=p, data=_job(date(2025, 4, 1)))
    worker_move(acting_user=bureau_user, worker=p, township=township_c, on=date(2025, 6, 1))
    employment_record(acting_user=bureau_user, worker=p, data=_job(date(2025, 8, 1), employer="万州乙公司"))
    # Hand count: counted once in 2025, in B (earliest job 04-01); the 08-01 job is in C but does not count.
    assert _by_township(2025) == {"分水镇": 1}
    assert _by_township(2025, as_of=date(2025, 5, 31)) == {"分水镇": 1}
    assert distinct_people(first_year=2025, last_year=2025, township_ids=[township_c.pk]) == 1
    # Rule 4.6 on a day: the township of registration that day.
    assert poverty_alleviated_in_work(on=date(2025, 5, 1), township_ids=[township_b.pk]) == 1
    assert poverty_alleviated_in_work(on=date(2025, 5, 1), township_ids=[township_a.pk]) == 0
    assert poverty_alleviated_in_work(on=date(2025, 7, 1), township_ids=[township_c.pk]) == 1
    assert poverty_alleviated_in_work(on=date(2025, 7, 1), township_ids=[township_b.pk]) == 0
    assert poverty_alleviated_in_work(on=date(2025, 7, 1)) == 1
    _snapshot_matches_selectors(2025)


# --- the command ------------------------------------------------------------------------------------------


def test_move_worker_command(clerk_a, bureau_user, township_a, township_b, capsys):
    p = _person(clerk_a, township_a)
    employment_record(acting_user=clerk_a, worker=p, data=_job(date(2025, 3, 1)))
    call_command(
        "move_worker", p.id_number, "--to", township_b.code, "--date", "2025-07-01", "--user", "bureau"
    )
    assert "分水镇" in capsys.readouterr().out
    p.refresh_from_db()
    assert p.township == township_b
    with pytest.raises(CommandError) as exc:
        call_command("move_worker", p.id_number, "--to", "甘宁镇", "--date", "2025-06-01", "--user", "bureau")
    assert str(exc.value) == str(MOVE_BEFORE_LAST.format(date="2025-07-01", township="分水镇"))
    with pytest.raises(CommandError) as exc:
        call_command("move_worker", p.id_number, "--to", "甘宁镇", "--date", "2025-13-01", "--user", "bureau")
    assert "YYYY-MM-DD" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command(
            "move_worker", p.id_number, "--to", "甘宁镇", "--date", "2025-08-01", "--user", "clerk_a"
        )
    assert str(exc.value) == str(MOVE_BUREAU_ONLY)
    with pytest.raises(CommandError) as exc:
        call_command(
            "move_worker", p.id_number, "--to", "不存在镇", "--date", "2025-08-01", "--user", "bureau"
        )
    assert "不存在镇" in str(exc.value)


def test_move_page_in_the_admin(login, clerk_a, bureau_user, township_a, township_b):
    p = _person(clerk_a, township_a)
    url = f"/manage/workers/worker/{p.pk}/move/"
    assert login(clerk_a).get(url).status_code == 403
    client = login(bureau_user)
    assert "办理户籍迁移" in client.get(f"/manage/workers/worker/{p.pk}/change/").content.decode()
    response = client.post(url, {"township": township_b.pk, "on": "2099-01-01", "reason": ""})
    assert str(MOVE_IN_FUTURE) in response.content.decode()
    response = client.post(url, {"township": township_b.pk, "on": "2025-07-01", "reason": "婚迁"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.township == township_b


# --- the pre-plan stock (rule 4.2) ---------------------------------------------------------------------------


def test_pre_plan_jobs_in_every_rule(clerk_a, township_a):
    household = HouseholdFactory(township=township_a)
    p = _person(clerk_a, township_a, categories=["脱贫人口", "防止返贫致贫对象"], household=household)
    data = _job(date(2024, 6, 1), returnee=True)
    assert employment_warnings(data) == [str(PRE_PLAN_JOB)]
    assert employment_warnings(_job(date(2025, 1, 1))) == []
    employment_record(acting_user=clerk_a, worker=p, data=data)
    # Never new employment, never a returnee of a plan year, not in the cumulative.
    for year in (2025, 2026, 2027):
        assert nearby_employment_matrix(year=year).total == 0
        assert returnee_counts(year=year) == {}
    assert cumulative(as_of=date(2027, 12, 31)).count == 0
    assert distinct_people(first_year=2025, last_year=2027) == 0
    # In work on a day of the plan: rule 4.6 and the household rule see the job.
    assert poverty_alleviated_in_work(on=date(2025, 3, 1)) == 1
    assert poverty_alleviated_in_work(on=date(2025, 3, 1), township_ids=[township_a.pk]) == 1
    EnrolmentFactory(worker=p, entry_date=date(2025, 1, 1))
    assert subject_households(on=date(2025, 3, 1)).get(pk=household.pk).employed
    # A later job of 2025 counts once, in 2025.
    employment_record(acting_user=clerk_a, worker=p, data=_job(date(2025, 2, 1), employer="万州乙公司"))
    assert nearby_employment_matrix(year=2025).total == 1
    _snapshot_matches_selectors(2025)
    assert Employment.objects.filter(worker=p).count() == 2


# --- the API ----------------------------------------------------------------------------------------------


def test_api_feeds_and_progress_follow_the_township_on_the_start_date(
    client, clerk_a, clerk_b, bureau_user, township_a, township_b, settings
):
    from django.core.cache import cache

    from targets.api import api_client_create

    settings.API_SYNC_LAG_SECONDS = 0
    cache.clear()
    token = api_client_create(name="渝悦就业")[1]
    p = _person(clerk_a, township_a)
    before = employment_record(acting_user=clerk_a, worker=p, data=_job(date(2025, 3, 1)))
    worker_move(acting_user=bureau_user, worker=p, township=township_b, on=date(2025, 7, 1))
    after = employment_record(
        acting_user=clerk_b, worker=p, data=_job(date(2025, 9, 1), employer="万州乙公司")
    )
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    for township, job in ((township_a, before), (township_b, after)):
        page = client.get("/api/v1/employments/", {"township": township.name}, **headers).json()
        assert [(r["id"], r["township_name"]) for r in page["results"]] == [(job.pk, township.name)]
        response = client.get("/api/v1/employments/export.ndjson", {"township": township.name}, **headers)
        lines = b"".join(response.streaming_content).decode().splitlines()
        assert [(r["id"], r["township_name"]) for r in map(json.loads, lines) if "township_name" in r] == [
            (job.pk, township.name)
        ]
    # The worker feed follows the current township.
    response = client.get("/api/v1/workers/", {"township": township_b.name}, **headers)
    assert [w["id"] for w in response.json()["results"]] == [p.pk]
    progress_recompute(year=2025)
    data = client.get("/api/v1/progress/", {"year": 2025}, **headers).json()
    counts = {row["name"]: row["count"] for row in data["townships"] if row["count"]}
    assert counts == {"甘宁镇": 1}
