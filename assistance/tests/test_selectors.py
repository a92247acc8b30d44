"""The assistance rules against small, hand-counted datasets (same numbers on SQLite and PostgreSQL)."""

from datetime import date, timedelta

import pytest

from assistance import selectors
from assistance.models import CourseKind, ServiceKind
from assistance.tests.factories import (
    CourseFactory,
    EnrolmentFactory,
    EventFactory,
    ParticipationFactory,
    PostFactory,
    ServiceRecordFactory,
)
from targets.models import Industry, Township
from workers.models import Worker, Workplace
from workers.tests.factories import EmploymentFactory, HouseholdFactory, WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reference(reference_data):
    """Townships, industries, indicators and targets exist."""


def tsh(name: str) -> Township:
    return Township.objects.get(name=name)


def routine(person, year: int = 2025, *, policy=1, guidance=1, push=3, training=1, month=3):
    day = date(year, month, 1)
    for kind, n in (
        (ServiceKind.POLICY, policy),
        (ServiceKind.GUIDANCE, guidance),
        (ServiceKind.JOB_PUSH, push),
        (ServiceKind.TRAINING_REFERRAL, training),
    ):
        for i in range(n):
            ServiceRecordFactory(worker=person, kind=kind, date=day + timedelta(days=i))


# --- 1131 -----------------------------------------------------------------------------------------------


def test_1131_complete_only_with_1_1_3_1_in_the_year():
    complete, two_pushes, push_last_year, no_referral = (WorkerFactory() for _ in range(4))
    for person in (complete, two_pushes, push_last_year, no_referral):
        EnrolmentFactory(worker=person, entry_date=date(2024, 6, 1))
    routine(complete)
    routine(two_pushes, push=2)
    routine(push_last_year, push=2)
    ServiceRecordFactory(worker=push_last_year, kind=ServiceKind.JOB_PUSH, date=date(2024, 12, 31))
    routine(no_referral, training=0)

    people = {w.pk: w for w in selectors.routine_people(year=2025)}
    assert people[complete.pk].complete is True
    assert (people[complete.pk].n_policy, people[complete.pk].n_job_push) == (1, 3)
    assert people[two_pushes.pk].complete is False
    assert selectors.routine_missing(people[two_pushes.pk]) == ["岗位推送 1 次"]
    assert people[push_last_year.pk].complete is False  # the 2024 push does not count in 2025
    assert people[push_last_year.pk].n_job_push == 2
    assert selectors.routine_missing(people[no_referral.pk]) == ["就业培训推荐 1 次"]
    # In 2024 the pushing person has 1 job push only.
    assert {w.pk: w.n_job_push for w in selectors.routine_people(year=2024)}[push_last_year.pk] == 1


def test_1131_more_than_needed_is_still_complete_and_as_of_cuts_the_year():
    person = WorkerFactory()
    EnrolmentFactory(worker=person, entry_date=date(2025, 1, 1))
    routine(person, push=5, month=3)
    ServiceRecordFactory(worker=person, kind=ServiceKind.TRAINING_REFERRAL, date=date(2025, 9, 1))
    assert selectors.routine_people(year=2025).get(pk=person.pk).complete is True
    # As of 2025-02-28 nothing was done yet.
    early = selectors.routine_people(year=2025, as_of=date(2025, 2, 28)).get(pk=person.pk)
    assert (early.n_policy, early.n_job_push, early.complete) == (0, 0, False)


def test_routine_rates_per_township_count_people_enrolled_in_the_year():
    a1, a2, a3, b1 = WorkerFactory(), WorkerFactory(), WorkerFactory(), WorkerFactory(township=tsh("分水镇"))
    gone = WorkerFactory()  # left assistance in 2024: not counted in 2025
    for person in (a1, a2, a3, b1):
        EnrolmentFactory(worker=person)
    EnrolmentFactory(
        worker=gone, entry_date=date(2024, 1, 1), exit_date=date(2024, 12, 31), exit_reason="moved"
    )
    routine(a1)
    routine(a2)
    routine(gone, year=2024)
    routine(b1, guidance=0)
    rates = selectors.routine_rates(year=2025)
    assert rates[tsh("甘宁镇").pk] == {"people": 3, "complete": 2, "rate": 0.6667}
    assert rates[tsh("分水镇").pk] == {"people": 1, "complete": 0, "rate": 0.0}
    assert selectors.routine_rates(year=2024)[tsh("甘宁镇").pk] == {"people": 1, "complete": 1, "rate": 1.0}
    assert list(selectors.routine_rates(year=2025, township_ids=[tsh("分水镇").pk])) == [tsh("分水镇").pk]


def test_worklist_is_scoped_incomplete_open_and_oldest_first(clerk_a):
    newer, older, done, left = (WorkerFactory() for _ in range(4))
    other_township = WorkerFactory(township=tsh("分水镇"))
    EnrolmentFactory(worker=newer, entry_date=date(2026, 3, 1))
    EnrolmentFactory(worker=older, entry_date=date(2025, 5, 1))
    EnrolmentFactory(worker=done, entry_date=date(2025, 1, 1))
    EnrolmentFactory(
        worker=left, entry_date=date(2025, 1, 1), exit_date=date(2026, 2, 1), exit_reason="moved"
    )
    EnrolmentFactory(worker=other_township, entry_date=date(2024, 1, 1))
    routine(done, year=2026)
    rows = list(selectors.worklist(user=clerk_a, year=2026, today=date(2026, 11, 1)))
    assert [w.pk for w in rows] == [older.pk, newer.pk]


# --- Households -----------------------------------------------------------------------------------------


def test_household_whose_only_job_ended_yesterday_is_zero_employment():
    today = date(2026, 5, 20)
    house = HouseholdFactory()
    member = WorkerFactory(household=house)
    EnrolmentFactory(worker=member)
    EmploymentFactory(worker=member, start_date=date(2025, 3, 1), end_date=today - timedelta(days=1))
    assert [h.pk for h in selectors.zero_employment_households(on=today)] == [house.pk]
    # The day before yesterday the job was still active.
    assert list(selectors.zero_employment_households(on=today - timedelta(days=1))) == []


def test_household_with_out_of_district_job_meets_the_rule():
    today = date(2026, 5, 20)
    house = HouseholdFactory()
    enrolled = WorkerFactory(household=house)
    EnrolmentFactory(worker=enrolled)
    sibling = WorkerFactory(household=house)
    EmploymentFactory(worker=sibling, start_date=date(2025, 6, 1), workplace=Workplace.OUT_OF_CITY)
    rows = list(selectors.subject_households(on=today))
    assert [(h.pk, h.employed) for h in rows] == [(house.pk, True)]
    assert list(selectors.zero_employment_households(on=today)) == []


def test_household_rule_subjects_and_shares():
    today = date(2026, 5, 20)
    a = tsh("甘宁镇")
    # 1: enrolled, capable, employed → meets.  2: enrolled, capable, not employed → zero.
    # 3: enrolled member without labour capacity and no other member → not subject.
    # 4: nobody enrolled (exited last year) → not subject.  5: in 分水镇, zero.
    h1, h2, h3, h4 = (HouseholdFactory() for _ in range(4))
    h5 = HouseholdFactory(township=tsh("分水镇"))
    w1 = WorkerFactory(household=h1)
    EnrolmentFactory(worker=w1)
    EmploymentFactory(worker=w1, start_date=date(2026, 1, 5))
    EnrolmentFactory(worker=WorkerFactory(household=h2))
    EnrolmentFactory(worker=WorkerFactory(household=h3, labour_capacity=Worker.LabourCapacity.NONE))
    EnrolmentFactory(
        worker=WorkerFactory(household=h4), exit_date=date(2025, 12, 1), exit_reason="risk_eliminated"
    )
    EnrolmentFactory(worker=WorkerFactory(household=h5, township=tsh("分水镇")))
    rates = selectors.household_rule_rates(on=today)
    assert rates == {
        a.pk: {"households": 2, "meeting": 1, "zero": 1, "share": 0.5},
        tsh("分水镇").pk: {"households": 1, "meeting": 0, "zero": 1, "share": 0.0},
    }
    assert [h.pk for h in selectors.zero_employment_households(on=today, township_ids=[a.pk])] == [h2.pk]
    assert {h.pk for h in selectors.zero_employment_households(on=today)} == {h2.pk, h5.pk}


# --- Posts ----------------------------------------------------------------------------------------------


def test_post_holders_count_distinct_people_active_in_the_year():
    p1, p2, p3, p4 = (WorkerFactory() for _ in range(4))
    PostFactory(worker=p1, start_date=date(2024, 3, 1))  # open since 2024: counts in 2025
    PostFactory(worker=p2, start_date=date(2025, 2, 1), end_date=date(2025, 5, 31))
    PostFactory(worker=p2, start_date=date(2025, 7, 1))  # second post of p2: still one person
    PostFactory(worker=p3, start_date=date(2024, 1, 1), end_date=date(2024, 12, 31))  # ended before 2025
    PostFactory(worker=p4, start_date=date(2025, 12, 31))
    assert selectors.post_holders(year=2025) == 3
    assert selectors.post_holders(year=2025, as_of=date(2025, 6, 30)) == 2
    assert selectors.post_holders(year=2024) == 2
    assert selectors.post_holders(year=2025, township_ids=[tsh("分水镇").pk]) == 0


def test_long_tenure_flag_at_36_months():
    today = date(2026, 5, 20)
    long_held = PostFactory(start_date=date(2023, 5, 20))  # exactly 36 months
    short = PostFactory(start_date=date(2023, 5, 21))
    ended = PostFactory(start_date=date(2020, 1, 1), end_date=date(2025, 1, 1))
    rows = {p.pk: p for p in selectors.posts(today=today)}
    assert (rows[long_held.pk].long_tenure, rows[short.pk].long_tenure, rows[ended.pk].long_tenure) == (
        True,
        False,
        False,
    )
    assert (rows[ended.pk].current, rows[short.pk].current) == (False, True)
    assert selectors.tenure_months(rows[long_held.pk], today) == 36
    assert selectors.tenure_months(rows[short.pk], today) == 35
    assert selectors.tenure_months(rows[ended.pk], today) == 60


# --- Training -------------------------------------------------------------------------------------------


def test_training_employment_rate_at_the_six_month_boundary():
    course = CourseFactory(start_date=date(2025, 3, 1), end_date=date(2025, 3, 31))
    assert course.follow_up_until == date(2025, 9, 30)
    on_boundary, day_after, before_and_during, ended_before, not_completed, no_job = (
        WorkerFactory() for _ in range(6)
    )
    for person in (on_boundary, day_after, before_and_during, ended_before, no_job):
        ParticipationFactory(course=course, worker=person, completed=True)
    ParticipationFactory(course=course, worker=not_completed, completed=False)
    EmploymentFactory(worker=on_boundary, start_date=date(2025, 9, 30))  # counts
    EmploymentFactory(worker=day_after, start_date=date(2025, 10, 1))  # one day late
    EmploymentFactory(worker=before_and_during, start_date=date(2025, 2, 1))  # active at course end
    EmploymentFactory(worker=ended_before, start_date=date(2025, 1, 5), end_date=date(2025, 3, 30))
    EmploymentFactory(worker=not_completed, start_date=date(2025, 4, 1))  # not completed: not counted
    figures = selectors.training_figures(year=2025)
    assert (figures.person_times, figures.employed) == (5, 2)
    assert figures.employment_rate == 0.4


def test_training_person_times_count_per_course_and_new_citizen_counts_people():
    person, other = WorkerFactory(), WorkerFactory(township=tsh("分水镇"))
    c1 = CourseFactory(end_date=date(2025, 4, 30))
    c2 = CourseFactory(kind=CourseKind.NEW_CITIZEN, start_date=date(2025, 5, 1), end_date=date(2025, 5, 2))
    c3 = CourseFactory(kind=CourseKind.NEW_CITIZEN, start_date=date(2025, 6, 1), end_date=date(2025, 6, 2))
    c_next = CourseFactory(start_date=date(2025, 12, 20), end_date=date(2026, 1, 10))  # ends in 2026
    for course in (c1, c2, c3, c_next):
        ParticipationFactory(course=course, worker=person)
    ParticipationFactory(course=c2, worker=other)
    ParticipationFactory(course=c3, worker=other, completed=False)
    figures = selectors.training_figures(year=2025)
    assert figures.person_times == 4  # person ×3, other ×1 (c3 not completed, c_next ends in 2026)
    assert figures.new_citizen_people == 2
    assert selectors.training_figures(year=2026).person_times == 1
    assert selectors.training_figures(year=2025, township_ids=[tsh("分水镇").pk]).person_times == 1


# --- Events, brands, gig markets ------------------------------------------------------------------------


def test_events_brands_and_gig_markets():
    EventFactory(date=date(2025, 1, 1))
    EventFactory(date=date(2025, 12, 31), township=tsh("分水镇"))
    EventFactory(date=date(2026, 1, 1))
    assert selectors.event_count(year=2025) == 2
    assert selectors.event_count(year=2025, township_ids=[tsh("分水镇").pk]) == 1

    p1, p2, p3 = WorkerFactory(), WorkerFactory(), WorkerFactory()
    EmploymentFactory(worker=p1, start_date=date(2025, 2, 1), channel="三峡保安")
    EmploymentFactory(worker=p1, start_date=date(2025, 8, 1), channel="万州面厨")  # same person, 2 brands
    EmploymentFactory(
        worker=p2, start_date=date(2025, 3, 1), channel="三峡保安", workplace=Workplace.OUT_OF_CITY
    )
    EmploymentFactory(worker=p3, start_date=date(2024, 3, 1), channel="三峡保安")  # 2024
    EmploymentFactory(worker=p3, start_date=date(2025, 3, 1), channel="招聘活动")
    brands = selectors.channel_people(channels=selectors.brand_channels(), year=2025)
    assert brands == {"total": 2, "by_channel": {"三峡保安": 2, "万州面厨": 1}}

    EmploymentFactory(worker=p3, start_date=date(2025, 4, 1), channel="零工市场")
    assert selectors.channel_people(channels=selectors.carrier_channels(), year=2025)["total"] == 1


# --- Key-task board -------------------------------------------------------------------------------------


def test_key_task_board_equals_hand_counts():
    as_of = date(2025, 7, 2)  # day 183 of 365
    mfg, retail = Industry.objects.get(code="02"), Industry.objects.get(code="04")
    w1, w2, w3 = WorkerFactory(is_poverty_alleviated=True), WorkerFactory(), WorkerFactory()
    EmploymentFactory(worker=w1, start_date=date(2025, 1, 10), industry=mfg, channel="三峡季工")
    EmploymentFactory(worker=w2, start_date=date(2025, 2, 10), industry=retail, channel="零工市场")
    EmploymentFactory(worker=w3, start_date=date(2025, 8, 10), industry=retail)  # after as_of
    course = CourseFactory(end_date=date(2025, 3, 31))
    ParticipationFactory(course=course, worker=w1)
    ParticipationFactory(course=course, worker=w3)
    EventFactory(date=date(2025, 5, 1))
    PostFactory(worker=w3, start_date=date(2025, 1, 1))
    # Only a 脱贫人口 holder counts for the indicator (issue 19): w3 is not one, w4 is.
    PostFactory(worker=WorkerFactory(is_poverty_alleviated=True), start_date=date(2025, 6, 1))

    board = selectors.key_task_board(year=2025, as_of=as_of)
    rows = {r["code"]: r for r in board["rows"]}
    assert len(rows) == 14  # the 13 of DESIGN.md §3 and the 5 gig markets (issue 20, item 8)
    assert board["time_progress"] == round(183 / 365, 4)
    assert rows["sector-manufacturing"]["count"] == 1
    assert rows["sector-services"]["count"] == 1
    assert rows["sector-digital"]["count"] == 0
    assert rows["labour-brand-new"]["count"] == 1
    assert rows["gig-market-employment"]["count"] == 1
    assert rows["training-person-times"]["count"] == 2
    # w1 in work at course end; w3's job starts 2025-08-10, inside the follow-up window (to 2025-09-30)
    # but after as_of: as of 2025-07-02 only w1 counts; as of the year end both do.
    rate = rows["training-employment-rate"]
    assert (rate["numerator"], rate["denominator"], rate["count"]) == (1, 2, 50.0)
    assert (rate["target"], rate["completion_rate"], rate["lagging"]) == (60.0, 0.8333, True)
    year_end = {r["code"]: r for r in selectors.key_task_board(year=2025)["rows"]}
    assert year_end["training-employment-rate"]["count"] == 100.0
    assert rows["recruitment-events"]["count"] == 1
    assert rows["public-welfare-posts"]["count"] == 1
    assert rows["poverty-alleviated-in-work"]["count"] == 1
    assert rows["poverty-alleviated-in-work"]["lagging"] is True
    assert rows["new-citizen-training"]["count"] == 0
    events = rows["recruitment-events"]
    assert (events["target"], events["completion_rate"], events["lagging"]) == (200, 0.005, True)
    assert events["expected_by_now"] == round(200 * 183 / 365)
