"""Each data-quality rule (issue 23, item 2) with a planted case and a clean case; the thresholds are read
from settings (REPORTING_QUALITY), so a test that moves a threshold moves the rule."""

from datetime import date, timedelta

import pytest

from reporting.quality import (
    AGE_AT_START,
    CROSS_TOWNSHIP,
    EMPLOYER_DAY_HIRES,
    FLEXIBLE_SHARE,
    FORM_VS_RETURN,
    INCOME_OUTLIER,
    QUARTER_JUMP,
    RULES,
    SHORT_JOBS,
    WEEKEND_SHARE,
    Scope,
    is_holiday,
    quality_findings,
)
from workers.models import EmploymentForm, Source
from workers.tests.factories import EmployerFactory, EmploymentFactory, WorkerFactory, make_id_number

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2026, 4, 1)  # 2026-04-01 is a Wednesday; Q2 2026
SATURDAY = date(2026, 4, 4)


_births = iter(date(1980, 1, 1) + timedelta(days=n) for n in range(5000))


def _job(township, start=WEDNESDAY, *, birth=None, **job):
    worker = WorkerFactory(township=township, id_number=make_id_number(birth or next(_births)))
    return EmploymentFactory(worker=worker, start_date=start, **job)


def _run(rule, township, year=2026, quarter=2):
    scope = Scope(township_id=township.pk, year=year, quarter=quarter)
    return [(code, sev, f) for code, sev, f in quality_findings(scope) if code == rule]


def test_rules_are_listed_in_one_place_with_their_settings(settings):
    assert set(RULES) == set(settings.REPORTING_QUALITY)


def test_quarter_jump(township_a, settings):
    for day in range(10):
        _job(township_a, date(2026, 2, 2) + timedelta(days=day))
    for _n in range(30):
        _job(township_a)
    assert _run("quarter_jump", township_a) == []  # 30 = 3 × 10: not above the ratio
    _job(township_a)
    [(_code, severity, finding)] = _run("quarter_jump", township_a)
    assert severity == "warning"
    assert finding.message == QUARTER_JUMP.format(current=31, previous=10, ratio=3.1, limit=3.0)
    settings.REPORTING_QUALITY = {
        **settings.REPORTING_QUALITY,
        "quarter_jump": {"severity": "warning", "ratio": 4.0, "min_base": 10},
    }
    assert _run("quarter_jump", township_a) == []


def test_employer_day_hires(township_a, settings):
    employer = EmployerFactory(name="万州快招劳务有限公司")
    jobs = [_job(township_a, employer=employer) for _n in range(20)]
    assert _run("employer_day_hires", township_a) == []  # 20 is the limit, not above it
    jobs.append(_job(township_a, employer=employer))
    [(_code, _sev, finding)] = _run("employer_day_hires", township_a)
    assert finding.message == EMPLOYER_DAY_HIRES.format(
        employer="万州快招劳务有限公司", day="2026-04-01", count=21, limit=20
    )
    assert finding.employment_ids == sorted(j.pk for j in jobs)
    _job(township_a, WEDNESDAY + timedelta(days=1), employer=employer)  # another day: not counted
    assert _run("employer_day_hires", township_a)[0][2].employment_ids == sorted(j.pk for j in jobs)


def test_short_jobs(township_a):
    _job(township_a, end_date=WEDNESDAY + timedelta(days=8))  # clean: 8 days
    assert _run("short_jobs", township_a) == []
    short = _job(township_a, end_date=WEDNESDAY + timedelta(days=7))
    [(_code, _sev, finding)] = _run("short_jobs", township_a)
    assert finding.message == SHORT_JOBS.format(count=1, days=7)
    assert finding.employment_ids == [short.pk] and finding.worker_ids == [short.worker_id]


def test_age_at_start(township_a):
    _job(township_a, birth=date(2008, 4, 1))  # 18 on the day: clean
    _job(township_a, birth=date(1965, 4, 2))  # 60 on the day before their 61st birthday: clean
    assert _run("age_at_start", township_a) == []
    young = _job(township_a, birth=date(2008, 4, 2))  # 17
    old = _job(township_a, birth=date(1965, 4, 1))  # 61
    [(_code, _sev, finding)] = _run("age_at_start", township_a)
    assert finding.message == AGE_AT_START.format(count=2, low=18, high=60)
    assert sorted(finding.employment_ids) == sorted([young.pk, old.pk])


def test_cross_township_duplicates(township_a, township_b):
    mine = _job(township_a, birth=date(1990, 3, 3))
    WorkerFactory(township=township_b, name=mine.worker.name, id_number=make_id_number(date(1990, 3, 4)))
    assert _run("cross_township_duplicates", township_a) == []  # another birth date: clean
    other = WorkerFactory(
        township=township_b, name=mine.worker.name, id_number=make_id_number(date(1990, 3, 3))
    )
    [(_code, _sev, finding)] = _run("cross_township_duplicates", township_a)
    assert finding.message == CROSS_TOWNSHIP.format(
        name=mine.worker.name, birth="1990-03-03", township="分水镇"
    )
    assert finding.worker_ids == [mine.worker_id, other.pk]


def test_flexible_without_employer(township_a):
    nobody = EmployerFactory(name="灵活就业")
    for _n in range(5):
        _job(township_a, form=EmploymentForm.FLEXIBLE, employer=nobody)
    for _n in range(5):
        _job(township_a)
    assert _run("flexible_without_employer", township_a) == []  # 50 %: not above
    _job(township_a, form=EmploymentForm.FLEXIBLE, employer=nobody)
    [(_code, _sev, finding)] = _run("flexible_without_employer", township_a)
    assert finding.message == FLEXIBLE_SHARE.format(count=6, total=11, share=54.5, limit=50.0)
    assert len(finding.employment_ids) == 6


def test_weekend_starts(township_a):
    for _n in range(6):
        _job(township_a, SATURDAY)
    for _n in range(4):
        _job(township_a)
    assert _run("weekend_starts", township_a) == []  # 60 %: not above
    _job(township_a, SATURDAY + timedelta(days=1))
    [(_code, _sev, finding)] = _run("weekend_starts", township_a)
    assert finding.message == WEEKEND_SHARE.format(count=7, share=63.6, limit=60.0)


def test_weekend_rule_counts_statutory_holidays(township_a, settings):
    """全国年节及纪念日放假办法: 劳动节 1–2 May, 国庆节 1–3 October, 春节 除夕 to 正月初三 (2026: 2–16 to 2–19);
    days the yearly notice moves come from settings."""
    assert is_holiday(date(2026, 5, 1)) and is_holiday(date(2026, 5, 2)) and not is_holiday(date(2026, 5, 6))
    assert is_holiday(date(2026, 10, 3)) and not is_holiday(date(2026, 10, 9))
    assert (
        is_holiday(date(2026, 2, 16)) and is_holiday(date(2026, 2, 19)) and not is_holiday(date(2026, 2, 20))
    )
    assert not is_holiday(date(2026, 4, 6))
    settings.REPORTING_HOLIDAYS = ["2026-04-06"]  # a 清明 day off of the yearly notice (a Monday)
    assert is_holiday(date(2026, 4, 6))
    for _n in range(7):
        _job(township_a, date(2026, 4, 6))
    for _n in range(3):
        _job(township_a)
    [(_code, _sev, finding)] = _run("weekend_starts", township_a)
    assert finding.message == WEEKEND_SHARE.format(count=7, share=70.0, limit=60.0)


def test_income_outliers(township_a):
    for _n in range(18):
        _job(township_a, monthly_income=4000)
    _job(township_a, monthly_income=45000)  # a digit too many
    assert _run("income_outliers", township_a) == []  # 19 incomes: too few for a township's median
    _job(township_a, monthly_income=400)  # a digit too few
    _job(township_a, monthly_income=19000)  # high, but within 5 times the median
    [(_code, _sev, finding)] = _run("income_outliers", township_a)
    assert finding.message == INCOME_OUTLIER.format(count=2, median="4000", ratio=5)
    assert len(finding.employment_ids) == 2


def test_form_vs_return(township_a):
    employer = EmployerFactory(name="万州三峡纺织有限公司")
    typed = _job(township_a, employer=employer, source=Source.FORM, monthly_income=3000)
    EmploymentFactory(
        worker=typed.worker, employer=employer, source=Source.IMPORT, start_date=WEDNESDAY + timedelta(days=9),
        monthly_income=3000,
    )  # fmt: skip
    same = _job(township_a, source=Source.FORM)
    EmploymentFactory(worker=same.worker, source=Source.IMPORT, start_date=WEDNESDAY + timedelta(days=20))
    [(_code, severity, finding)] = _run("form_vs_return", township_a)
    assert severity == "error"  # by default it blocks the submission until one of the two is fixed
    assert finding.message == FORM_VS_RETURN.format(
        name=typed.worker.name, employer="万州三峡纺织有限公司", fields="就业时间"
    )
    assert finding.worker_ids == [typed.worker_id] and typed.pk in finding.employment_ids


def test_a_clean_quarter_has_no_findings(township_a):
    for _n in range(3):
        _job(township_a)
    assert quality_findings(Scope(township_id=township_a.pk, year=2026, quarter=2)) == []
