"""The counting rules of DESIGN.md §4.3–4.7 against small, hand-counted datasets.

Every dataset is written straight to the table with the factories, so these tests exercise the selectors
alone. The matrix selector has a PostgreSQL branch (DISTINCT ON) and a generic one (ROW_NUMBER); the same
tests run on SQLite and on PostgreSQL, so both branches are held to the same numbers.
"""

from datetime import date

import pytest

from targets.models import Industry, Township
from workers.models import EmploymentForm, Workplace
from workers.selectors import (
    cumulative,
    distinct_people,
    nearby_counted_workers,
    nearby_employment_matrix,
    poverty_alleviated_in_work,
    returnee_counts,
    time_progress,
)
from workers.tests.factories import EmploymentFactory, WorkerFactory

pytestmark = pytest.mark.django_db

NO_TARGET_TOWNSHIPS = ("高笋塘街道", "牌楼街道", "周家坝街道")


@pytest.fixture(autouse=True)
def _reference(reference_data):
    """Townships and industries must exist, also after a transactional test flushed the database."""


def tsh(name: str) -> Township:
    return Township.objects.get(name=name)


def ind(code: str) -> Industry:
    return Industry.objects.get(code=code)


def worker(township: str = "甘宁镇", **kwargs):
    return WorkerFactory(township=tsh(township), **kwargs)


def job(
    person, start: date, industry: str = "02", *, workplace=Workplace.IN_DISTRICT, at: str | None = None, **kw
):
    """One employment. `at` names the workplace township of an in-district job (default: the worker's)."""
    extra = {"workplace_township": tsh(at)} if at else {}
    return EmploymentFactory(
        worker=person, start_date=start, industry=ind(industry), workplace=workplace, **extra, **kw
    )


def cell(township: str, industry: str) -> tuple[int, int]:
    return (tsh(township).pk, ind(industry).pk)


# --- Rule 4.3: new nearby employment ---------------------------------------------------------------------


def test_empty_ledger_counts_nothing():
    matrix = nearby_employment_matrix(year=2025)
    assert (matrix.total, matrix.cells, matrix.by_township(), matrix.by_industry()) == (0, {}, {}, {})
    assert returnee_counts(year=2025) == {}
    assert distinct_people(first_year=2025, last_year=2027) == 0
    assert poverty_alleviated_in_work(on=date(2025, 6, 30)) == 0
    assert not nearby_counted_workers(year=2025).exists()


def test_one_worker_one_job():
    job(worker(), date(2025, 3, 15), "02")
    matrix = nearby_employment_matrix(year=2025)
    assert matrix.total == 1
    assert matrix.cells == {cell("甘宁镇", "02"): 1}
    assert matrix.by_township() == {tsh("甘宁镇").pk: 1}
    assert matrix.by_industry() == {ind("02").pk: 1}


def test_job_change_in_one_year_counts_once_by_earliest_job():
    person = worker()
    # The later job is written first, so it has the lower id: the date decides, not the id.
    job(person, date(2025, 8, 1), "04")
    job(person, date(2025, 3, 1), "02")
    job(person, date(2025, 11, 20), "06")
    matrix = nearby_employment_matrix(year=2025)
    assert matrix.total == 1
    assert matrix.cells == {cell("甘宁镇", "02"): 1}
    counted = nearby_counted_workers(year=2025).get()
    assert (counted.pk, counted.counted_industry_id, counted.counted_start_date) == (
        person.pk,
        ind("02").pk,
        date(2025, 3, 1),
    )


@pytest.mark.parametrize("first_code, second_code", [("04", "02"), ("02", "04")])
def test_tie_on_start_date_goes_to_lowest_id(first_code, second_code):
    person = worker()
    first = job(person, date(2025, 5, 5), first_code)
    second = job(person, date(2025, 5, 5), second_code)
    assert first.pk < second.pk
    assert nearby_employment_matrix(year=2025).cells == {cell("甘宁镇", first_code): 1}
    assert nearby_counted_workers(year=2025).get().counted_industry_id == ind(first_code).pk


def test_jobs_in_two_years_count_in_each_year():
    person = worker()
    job(person, date(2025, 4, 1), "02")
    job(person, date(2025, 9, 1), "05")
    job(person, date(2026, 2, 1), "04")
    assert nearby_employment_matrix(year=2025).cells == {cell("甘宁镇", "02"): 1}
    assert nearby_employment_matrix(year=2026).cells == {cell("甘宁镇", "04"): 1}


def test_year_boundary():
    job(worker(), date(2025, 12, 31), "02")
    job(worker(), date(2026, 1, 1), "04")
    assert nearby_employment_matrix(year=2025).cells == {cell("甘宁镇", "02"): 1}
    assert nearby_employment_matrix(year=2026).cells == {cell("甘宁镇", "04"): 1}


@pytest.mark.parametrize("workplace", [Workplace.IN_CITY, Workplace.OUT_OF_CITY])
def test_out_of_district_job_is_not_nearby_but_counts_for_poverty_alleviated(workplace):
    person = worker(is_poverty_alleviated=True)
    job(person, date(2025, 3, 1), "02", workplace=workplace)
    assert nearby_employment_matrix(year=2025).total == 0
    assert not nearby_counted_workers(year=2025).exists()
    assert distinct_people(first_year=2025, last_year=2027) == 0
    assert poverty_alleviated_in_work(on=date(2025, 3, 1)) == 1
    assert poverty_alleviated_in_work(on=date(2025, 2, 28)) == 0


def test_earliest_in_district_job_decides_even_after_an_earlier_out_of_district_job():
    person = worker()
    job(person, date(2025, 2, 1), "05", workplace=Workplace.OUT_OF_CITY)
    job(person, date(2025, 6, 1), "02")
    assert nearby_employment_matrix(year=2025).cells == {cell("甘宁镇", "02"): 1}
    assert nearby_counted_workers(year=2025).get().counted_start_date == date(2025, 6, 1)


def test_out_of_district_in_one_year_and_in_district_the_next_counts_only_the_next():
    person = worker()
    job(person, date(2025, 5, 1), "02", workplace=Workplace.IN_CITY)
    job(person, date(2026, 3, 1), "04")
    assert nearby_employment_matrix(year=2025).total == 0
    assert nearby_employment_matrix(year=2026).cells == {cell("甘宁镇", "04"): 1}
    result = cumulative(as_of=date(2026, 11, 1))
    assert (result.by_year, result.count, result.distinct_people) == ({2025: 0, 2026: 1, 2027: 0}, 1, 1)


def test_job_in_another_township_counts_in_the_township_of_registration():
    person = worker("甘宁镇")
    job(person, date(2025, 3, 1), "02", at="分水镇")
    matrix = nearby_employment_matrix(year=2025)
    assert matrix.cells == {cell("甘宁镇", "02"): 1}
    assert matrix.by_township() == {tsh("甘宁镇").pk: 1}
    assert nearby_employment_matrix(year=2025, township_ids=[tsh("分水镇").pk]).total == 0
    assert nearby_counted_workers(year=2025, township_id=tsh("分水镇").pk).count() == 0
    assert nearby_counted_workers(year=2025, township_id=tsh("甘宁镇").pk).get() == person


def test_other_industry_counts_in_the_district_total():
    job(worker(), date(2025, 3, 1), "99")
    job(worker(), date(2025, 3, 1), "02")
    matrix = nearby_employment_matrix(year=2025)
    assert matrix.total == 2
    assert matrix.by_industry() == {ind("99").pk: 1, ind("02").pk: 1}


def test_townships_without_target_count_in_the_district_total():
    for name in NO_TARGET_TOWNSHIPS:
        job(worker(name), date(2025, 4, 1), "04")
    job(worker("甘宁镇"), date(2025, 4, 1), "04")
    matrix = nearby_employment_matrix(year=2025)
    assert matrix.total == 4
    assert matrix.by_township() == {tsh(name).pk: 1 for name in (*NO_TARGET_TOWNSHIPS, "甘宁镇")}
    assert matrix.by_industry() == {ind("04").pk: 4}
    assert all(not tsh(name).in_plan for name in NO_TARGET_TOWNSHIPS)


def test_hand_counted_matrix():
    # 甘宁镇: A (02, then 04 — counts 02), B (04), C (99 returnee); 分水镇: D (02 at 甘宁镇), E (only 市外);
    # 牌楼街道: F (01). Expected 2025: 甘宁镇 02:1 04:1 99:1; 分水镇 02:1; 牌楼街道 01:1 → total 5.
    a, b, c = worker(), worker(), worker()
    d, e = worker("分水镇"), worker("分水镇")
    f = worker("牌楼街道")
    job(a, date(2025, 1, 10), "02")
    job(a, date(2025, 7, 10), "04")
    job(b, date(2025, 2, 10), "04")
    job(c, date(2025, 3, 10), "99", returnee=True)
    job(d, date(2025, 4, 10), "02", at="甘宁镇")
    job(e, date(2025, 5, 10), "02", workplace=Workplace.OUT_OF_CITY)
    job(f, date(2025, 6, 10), "01")
    matrix = nearby_employment_matrix(year=2025)
    assert matrix.cells == {
        cell("甘宁镇", "02"): 1,
        cell("甘宁镇", "04"): 1,
        cell("甘宁镇", "99"): 1,
        cell("分水镇", "02"): 1,
        cell("牌楼街道", "01"): 1,
    }
    assert matrix.total == 5
    assert matrix.by_township() == {tsh("甘宁镇").pk: 3, tsh("分水镇").pk: 1, tsh("牌楼街道").pk: 1}
    assert matrix.by_industry() == {ind("02").pk: 2, ind("04").pk: 1, ind("99").pk: 1, ind("01").pk: 1}
    assert set(nearby_counted_workers(year=2025)) == {a, b, c, d, f}
    assert set(nearby_counted_workers(year=2025, industry_id=ind("02").pk)) == {a, d}
    assert returnee_counts(year=2025) == {tsh("甘宁镇").pk: 1}


# --- as-of dates ------------------------------------------------------------------------------------------


def test_as_of_cuts_on_the_start_date():
    job(worker(), date(2025, 6, 30), "02")
    job(worker(), date(2025, 7, 1), "04")
    assert nearby_employment_matrix(year=2025, as_of=date(2025, 6, 29)).total == 0
    assert nearby_employment_matrix(year=2025, as_of=date(2025, 6, 30)).cells == {cell("甘宁镇", "02"): 1}
    assert nearby_employment_matrix(year=2025, as_of=date(2025, 7, 1)).total == 2
    assert nearby_counted_workers(year=2025, as_of=date(2025, 6, 30)).count() == 1
    assert distinct_people(first_year=2025, last_year=2027, as_of=date(2025, 6, 30)) == 1


def test_as_of_before_the_year_counts_nothing():
    job(worker(), date(2026, 1, 5), "02")
    assert nearby_employment_matrix(year=2026, as_of=date(2025, 12, 31)).cells == {}
    assert returnee_counts(year=2026, as_of=date(2025, 12, 31)) == {}


def test_as_of_after_the_year_counts_the_whole_year():
    job(worker(), date(2025, 12, 31), "02")
    assert nearby_employment_matrix(year=2025, as_of=date(2026, 3, 1)).total == 1


def test_earliest_job_attribution_when_as_of_cuts_jobs_off():
    person = worker()
    job(person, date(2025, 12, 20), "02")  # the previous year: never the earliest job of 2026
    job(person, date(2026, 2, 10), "04")
    job(person, date(2026, 5, 10), "05")
    # The later 2026 job is cut off: the earliest remaining one decides.
    assert nearby_employment_matrix(year=2026, as_of=date(2026, 3, 1)).cells == {cell("甘宁镇", "04"): 1}
    assert nearby_employment_matrix(year=2026).cells == {cell("甘宁镇", "04"): 1}
    # Before the first 2026 job starts, the worker does not count in 2026 (the 2025 job never does).
    assert nearby_employment_matrix(year=2026, as_of=date(2026, 2, 9)).cells == {}
    # In 2025 the December job counts from its start date on.
    assert nearby_employment_matrix(year=2025, as_of=date(2025, 12, 19)).cells == {}
    assert nearby_employment_matrix(year=2025, as_of=date(2025, 12, 20)).cells == {cell("甘宁镇", "02"): 1}
    counted = nearby_counted_workers(year=2026, as_of=date(2026, 3, 1)).get()
    assert (counted.counted_industry_id, counted.counted_start_date) == (ind("04").pk, date(2026, 2, 10))


def test_as_of_cuts_off_the_earliest_job_of_a_worker_counted_later():
    # An in-district job from 2026 and an earlier out-of-district one: as of a day before the in-district job
    # the worker is not counted at all; from its start on, by its industry.
    person = worker()
    job(person, date(2026, 1, 15), "05", workplace=Workplace.IN_CITY)
    job(person, date(2026, 4, 1), "03")
    assert nearby_employment_matrix(year=2026, as_of=date(2026, 3, 31)).total == 0
    assert nearby_employment_matrix(year=2026, as_of=date(2026, 4, 1)).cells == {cell("甘宁镇", "03"): 1}


# --- township filter ------------------------------------------------------------------------------------


def test_township_ids_filter():
    job(worker("甘宁镇"), date(2025, 3, 1), "02", returnee=True)
    job(worker("分水镇"), date(2025, 3, 1), "04", returnee=True)
    job(worker("高笋塘街道"), date(2025, 3, 1), "05")
    a, b, g = tsh("甘宁镇").pk, tsh("分水镇").pk, tsh("高笋塘街道").pk
    assert nearby_employment_matrix(year=2025).total == 3
    assert nearby_employment_matrix(year=2025, township_ids=[a]).cells == {cell("甘宁镇", "02"): 1}
    assert nearby_employment_matrix(year=2025, township_ids=[a, b]).by_township() == {a: 1, b: 1}
    assert nearby_employment_matrix(year=2025, township_ids=[g]).total == 1
    assert nearby_employment_matrix(year=2025, township_ids=[]).total == 0
    assert returnee_counts(year=2025, township_ids=[b]) == {b: 1}
    assert returnee_counts(year=2025, township_ids=[]) == {}
    assert distinct_people(first_year=2025, last_year=2025, township_ids=[a, g]) == 2
    assert cumulative(township_ids=[b], as_of=date(2026, 1, 1)).count == 1


# --- Rule 4.4: cumulative ---------------------------------------------------------------------------------


def test_cumulative_is_the_sum_of_years_and_distinct_people_are_fewer():
    twice, once = worker(), worker()
    job(twice, date(2025, 3, 1), "02")
    job(twice, date(2025, 9, 1), "04")  # a job change: still once in 2025
    job(twice, date(2026, 3, 1), "04")
    job(once, date(2025, 5, 1), "05")
    result = cumulative(as_of=date(2026, 11, 1))
    assert result.by_year == {2025: 2, 2026: 1, 2027: 0}
    assert result.count == 3
    assert result.distinct_people == 2
    assert distinct_people(first_year=2025, last_year=2026) == 2


def test_cumulative_as_of_mid_first_year():
    person = worker()
    job(person, date(2025, 3, 1), "02")
    job(person, date(2025, 8, 1), "02")
    job(person, date(2026, 3, 1), "02")
    result = cumulative(as_of=date(2025, 6, 30))
    assert (result.by_year, result.count, result.distinct_people) == ({2025: 1, 2026: 0, 2027: 0}, 1, 1)


# --- Rule 4.5: returnees ----------------------------------------------------------------------------------


def test_returnee_counted_once_a_year_even_with_two_returnee_jobs():
    person = worker()
    job(person, date(2025, 3, 1), "02", returnee=True)
    job(person, date(2025, 9, 1), "04", returnee=True, form=EmploymentForm.SELF_EMPLOYED)
    job(person, date(2026, 2, 1), "04", returnee=True)
    assert returnee_counts(year=2025) == {tsh("甘宁镇").pk: 1}
    assert returnee_counts(year=2026) == {tsh("甘宁镇").pk: 1}


def test_returnee_job_out_of_district_is_not_counted():
    job(worker(), date(2025, 3, 1), "02", returnee=True, workplace=Workplace.IN_CITY)
    job(worker(), date(2025, 3, 1), "02", returnee=True, workplace=Workplace.OUT_OF_CITY)
    job(worker(), date(2025, 3, 1), "02", returnee=False)
    assert returnee_counts(year=2025) == {}


def test_returnees_by_township_and_as_of():
    job(worker("甘宁镇"), date(2025, 2, 1), "02", returnee=True, form=EmploymentForm.SELF_EMPLOYED)
    job(worker("甘宁镇"), date(2025, 7, 1), "02", returnee=True)
    job(worker("周家坝街道"), date(2025, 4, 1), "99", returnee=True)
    assert returnee_counts(year=2025) == {tsh("甘宁镇").pk: 2, tsh("周家坝街道").pk: 1}
    assert returnee_counts(year=2025, as_of=date(2025, 6, 30)) == {
        tsh("甘宁镇").pk: 1,
        tsh("周家坝街道").pk: 1,
    }


# --- Rule 4.6: poverty-alleviated people in work ---------------------------------------------------------


def test_ended_job_is_active_on_its_end_date_but_not_after():
    person = worker(is_poverty_alleviated=True)
    job(person, date(2025, 3, 1), "02", end_date=date(2025, 6, 30))
    assert poverty_alleviated_in_work(on=date(2025, 2, 28)) == 0
    assert poverty_alleviated_in_work(on=date(2025, 3, 1)) == 1
    assert poverty_alleviated_in_work(on=date(2025, 6, 30)) == 1
    assert poverty_alleviated_in_work(on=date(2025, 7, 1)) == 0


def test_poverty_alleviated_counts_distinct_flagged_workers_any_workplace():
    both = worker(is_poverty_alleviated=True)
    job(both, date(2025, 3, 1), "02")
    job(both, date(2025, 4, 1), "04", workplace=Workplace.OUT_OF_CITY)
    away = worker("分水镇", is_poverty_alleviated=True)
    job(away, date(2025, 3, 1), "02", workplace=Workplace.IN_CITY)
    job(worker(is_poverty_alleviated=False), date(2025, 3, 1), "02")  # not flagged
    job(worker(is_poverty_alleviated=True, is_monitored=True), date(2025, 8, 1), "02")  # not yet started
    worker(is_poverty_alleviated=True)  # no job at all
    assert poverty_alleviated_in_work(on=date(2025, 6, 30)) == 2
    assert poverty_alleviated_in_work(on=date(2025, 6, 30), township_ids=[tsh("分水镇").pk]) == 1
    assert poverty_alleviated_in_work(on=date(2025, 8, 1)) == 3


# --- Rule 4.7: time progress ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "year, as_of, expected",
    [
        (2025, date(2025, 1, 1), 1 / 365),
        (2025, date(2025, 6, 30), 181 / 365),
        (2025, date(2025, 12, 31), 1.0),
        (2028, date(2028, 2, 29), 60 / 366),
        (2028, date(2028, 12, 31), 1.0),
        (2026, date(2026, 11, 23), 327 / 365),
        (2025, date(2026, 11, 23), 1.0),  # a past year
        (2027, date(2026, 11, 23), 0.0),  # a future year
    ],
)
def test_time_progress(year, as_of, expected):
    assert time_progress(year, as_of) == pytest.approx(expected, abs=1e-12)


def test_time_progress_defaults_to_today():
    assert time_progress(2024) == 1.0
    assert time_progress(2099) == 0.0
