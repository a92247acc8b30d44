"""Writes of assistance: the exact messages a clerk reads, scoping, and nothing changed on refusal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assistance import services
from assistance.models import (
    Carrier,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentCategory,
    ExitReason,
    LabourBrand,
    Participation,
    PostKind,
    PublicWelfarePost,
    RecruitmentEvent,
    ServiceKind,
    ServiceRecord,
)
from assistance.tests.factories import CourseFactory, EnrolmentFactory
from targets.models import Township
from workers.tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db


def messages_of(exc_info) -> list[str]:
    return exc_info.value.messages


@pytest.fixture
def person_a(township_a):
    return WorkerFactory(township=township_a)


@pytest.fixture
def person_b(township_b):
    return WorkerFactory(township=township_b)


def enrol(user, worker, day=date(2025, 2, 1), category=EnrolmentCategory.MONITORED):
    return services.enrolment_enter(
        acting_user=user, worker=worker, category=category, entry_date=day, entry_reason="监测识别"
    )


# --- Enrolment ------------------------------------------------------------------------------------------


def test_enrol_and_exit_keep_history(clerk_a, person_a):
    first = enrol(clerk_a, person_a)
    assert (first.category, first.created_by, first.is_open) == ("防止返贫致贫对象", clerk_a, True)
    services.enrolment_exit(
        acting_user=clerk_a,
        enrolment=first,
        exit_date=date(2025, 6, 30),
        exit_reason=ExitReason.RISK_ELIMINATED,
    )
    second = enrol(clerk_a, person_a, day=date(2025, 9, 1), category=EnrolmentCategory.CONTINUED_SUPPORT)
    rows = list(Enrolment.objects.filter(worker=person_a).order_by("entry_date"))
    assert [(e.entry_date, e.exit_date, e.exit_reason) for e in rows] == [
        (date(2025, 2, 1), date(2025, 6, 30), "risk_eliminated"),
        (date(2025, 9, 1), None, ""),
    ]
    assert rows[0].exited_by == clerk_a and rows[1] == second


def test_enrol_twice_is_refused(clerk_a, person_a):
    enrol(clerk_a, person_a)
    with pytest.raises(ValidationError) as exc:
        enrol(clerk_a, person_a, day=date(2025, 3, 1))
    assert messages_of(exc) == ["此人已在帮扶中（防止返贫致贫对象，2025-02-01 纳入），不能重复纳入。"]
    assert Enrolment.objects.filter(worker=person_a).count() == 1


def test_reentry_before_last_exit_is_refused(clerk_a, person_a):
    EnrolmentFactory(
        worker=person_a, entry_date=date(2025, 1, 1), exit_date=date(2025, 5, 1), exit_reason="moved"
    )
    with pytest.raises(ValidationError) as exc:
        enrol(clerk_a, person_a, day=date(2025, 5, 1))
    assert exc.value.message_dict == {"entry_date": ["纳入日期不能早于上次退出帮扶的日期（2025-05-01）。"]}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"category": "低保"}, {"category": ["帮扶类别只能是防止返贫致贫对象、继续帮扶对象或脱贫人口。"]}),
        ({"entry_reason": "  "}, {"entry_reason": ["请填写纳入帮扶的原因。"]}),
        ({"entry_date": date(2999, 1, 1)}, {"entry_date": ["纳入日期不能晚于今天。"]}),
    ],
)
def test_enrol_bad_input(clerk_a, person_a, kwargs, expected):
    values = {"category": "防止返贫致贫对象", "entry_date": date(2025, 1, 1), "entry_reason": "监测识别"}
    values.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_enter(acting_user=clerk_a, worker=person_a, **values)
    assert exc.value.message_dict == expected
    assert not Enrolment.objects.exists()


def test_exit_rules(clerk_a, person_a):
    enrolment = enrol(clerk_a, person_a)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_exit(
            acting_user=clerk_a, enrolment=enrolment, exit_date=date(2025, 1, 31), exit_reason="moved"
        )
    assert exc.value.message_dict == {"exit_date": ["退出日期不能早于纳入日期（2025-02-01）。"]}
    with pytest.raises(ValidationError) as exc:
        services.enrolment_exit(
            acting_user=clerk_a, enrolment=enrolment, exit_date=date(2025, 3, 1), exit_reason="other"
        )
    assert exc.value.message_dict == {"exit_note": ["退出原因为“其他”时，请填写退出说明。"]}
    services.enrolment_exit(
        acting_user=clerk_a, enrolment=enrolment, exit_date=date(2025, 3, 1), exit_reason="deceased"
    )
    with pytest.raises(ValidationError) as exc:
        services.enrolment_exit(
            acting_user=clerk_a, enrolment=enrolment, exit_date=date(2025, 4, 1), exit_reason="moved"
        )
    assert messages_of(exc) == ["该帮扶记录已于 2025-03-01 退出，不能再次退出。"]


def test_other_township_and_read_only_users_cannot_enrol(clerk_a, industry_user, reviewer_user, person_b):
    for user in (clerk_a, industry_user, reviewer_user):
        with pytest.raises(PermissionDenied):
            enrol(user, person_b)
    assert not Enrolment.objects.exists()


# --- 1131 services --------------------------------------------------------------------------------------


def test_service_record_needs_enrolment_on_the_date(clerk_a, person_a):
    enrol(clerk_a, person_a, day=date(2025, 2, 1))
    with pytest.raises(ValidationError) as exc:
        services.service_record(
            acting_user=clerk_a,
            worker=person_a,
            kind=ServiceKind.POLICY,
            date=date(2025, 1, 31),
            provided_by="张",
        )
    assert exc.value.message_dict == {
        "date": ["2025-01-31 此人不在帮扶范围内（没有覆盖该日期的帮扶登记），不能记录“1131”服务。"]
    }
    record = services.service_record(
        acting_user=clerk_a, worker=person_a, kind=ServiceKind.POLICY, date=date(2025, 2, 1), provided_by="张"
    )
    assert (record.kind, record.created_by) == ("policy", clerk_a)


def test_job_push_names_employer_and_post_and_duplicates_are_refused(clerk_a, person_a):
    enrol(clerk_a, person_a)
    push = {
        "acting_user": clerk_a,
        "worker": person_a,
        "kind": ServiceKind.JOB_PUSH,
        "date": date(2025, 3, 1),
    }
    with pytest.raises(ValidationError) as exc:
        services.service_record(**push, provided_by="张", employer_name="万州某厂")
    assert exc.value.message_dict == {"post_name": ["岗位推送必须填写推送的单位和岗位。"]}
    services.service_record(**push, provided_by="张", employer_name="万州某厂", post_name="普工")
    services.service_record(**push, provided_by="张", employer_name="万州某厂", post_name="叉车工")
    with pytest.raises(ValidationError) as exc:
        services.service_record(**push, provided_by="李", employer_name="万州某厂", post_name="普工")
    assert messages_of(exc) == ["2025-03-01 的这条岗位推送记录已经登记，不能重复登记。"]
    assert ServiceRecord.objects.filter(worker=person_a).count() == 2


def test_service_for_other_township_is_refused(clerk_a, clerk_b, person_b):
    enrol(clerk_b, person_b)
    with pytest.raises(PermissionDenied):
        services.service_record(
            acting_user=clerk_a,
            worker=person_b,
            kind=ServiceKind.POLICY,
            date=date(2025, 3, 1),
            provided_by="张",
        )
    assert not ServiceRecord.objects.exists()


# --- Posts ----------------------------------------------------------------------------------------------


def post(user, worker, start, end=None, kind=PostKind.INFORMATION, **kwargs):
    return services.post_assign(
        acting_user=user,
        worker=worker,
        kind=kind,
        start_date=start,
        end_date=end,
        monthly_subsidy=Decimal("800"),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("start", "end", "refused"),
    [
        (date(2025, 6, 30), None, True),  # starts on the last day of the first post
        (date(2025, 7, 1), None, False),  # starts the day after
        (date(2024, 1, 1), date(2025, 1, 1), True),  # ends on the first day of the first post
        (date(2024, 1, 1), date(2024, 12, 31), False),
        (date(2025, 3, 1), date(2025, 3, 31), True),  # inside
    ],
)
def test_overlapping_posts_for_one_person_are_refused(clerk_a, person_a, start, end, refused):
    post(clerk_a, person_a, date(2025, 1, 1), date(2025, 6, 30), kind=PostKind.INFRASTRUCTURE)
    if refused:
        with pytest.raises(ValidationError) as exc:
            post(clerk_a, person_a, start, end)
        assert messages_of(exc) == [
            "此人在 2025-01-01 至 2025-06-30 已在公益性岗位（乡村公共基础设施养护员），同一人不能同时在两个公益性岗位。"
        ]
        assert PublicWelfarePost.objects.filter(worker=person_a).count() == 1
    else:
        post(clerk_a, person_a, start, end)
        assert PublicWelfarePost.objects.filter(worker=person_a).count() == 2


def test_open_post_blocks_any_later_post_until_ended(clerk_a, person_a):
    first = post(clerk_a, person_a, date(2025, 1, 1))
    with pytest.raises(ValidationError) as exc:
        post(clerk_a, person_a, date(2026, 1, 1))
    assert "至今" in messages_of(exc)[0]
    services.post_end(acting_user=clerk_a, post=first, end_date=date(2025, 12, 31), reason="转岗就业")
    second = post(clerk_a, person_a, date(2026, 1, 1))
    assert second.pk and PublicWelfarePost.objects.get(pk=first.pk).end_reason == "转岗就业"
    with pytest.raises(ValidationError) as exc:
        services.post_end(acting_user=clerk_a, post=first, end_date=date(2026, 1, 1))
    assert messages_of(exc) == ["该岗位已于 2025-12-31 离岗。"]


def test_post_bad_input(clerk_a, person_a, person_b):
    with pytest.raises(ValidationError) as exc:
        services.post_assign(
            acting_user=clerk_a,
            worker=person_a,
            kind=PostKind.OTHER,
            start_date=date(2025, 2, 1),
            end_date=date(2025, 1, 1),
            monthly_subsidy=Decimal("-1"),
        )
    assert exc.value.message_dict == {
        "title": ["岗位类别为“其他”时，请填写岗位名称。"],
        "monthly_subsidy": ["月岗位补贴不能为负数。"],
        "end_date": ["离岗日期不能早于上岗日期。"],
    }
    with pytest.raises(PermissionDenied):
        post(clerk_a, person_b, date(2025, 1, 1))
    assert not PublicWelfarePost.objects.exists()


# --- Training -------------------------------------------------------------------------------------------


def test_course_follow_up_window_is_six_calendar_months(bureau_user):
    course = services.course_save(
        acting_user=bureau_user,
        name="乡村工匠班",
        kind=CourseKind.RURAL_CRAFTSMAN,
        provider="区职教中心",
        start_date=date(2025, 8, 1),
        end_date=date(2025, 8, 31),
        township=None,
    )
    assert course.follow_up_until == date(2026, 2, 28)
    assert services.follow_up_until(date(2025, 3, 31)) == date(2025, 9, 30)
    assert services.follow_up_until(date(2025, 4, 15)) == date(2025, 10, 15)


def test_clerk_cannot_create_district_course_or_other_township_course(clerk_a, township_b):
    args = {
        "name": "电工班",
        "kind": CourseKind.PROJECT,
        "provider": "机构",
        "start_date": date(2025, 3, 1),
        "end_date": date(2025, 3, 10),
    }
    with pytest.raises(PermissionDenied):
        services.course_save(acting_user=clerk_a, township=None, **args)
    with pytest.raises(PermissionDenied):
        services.course_save(acting_user=clerk_a, township=township_b, **args)
    with pytest.raises(ValidationError) as exc:
        services.course_save(
            acting_user=clerk_a,
            township=Township.objects.get(name="甘宁镇"),
            **{**args, "end_date": date(2025, 2, 1)},
        )
    assert exc.value.message_dict == {"end_date": ["结业日期不能早于开班日期。"]}
    assert not Course.objects.exists()


def test_participants(clerk_a, person_a, person_b):
    course = CourseFactory(end_date=date(2025, 3, 31))
    entry = services.participant_add(
        acting_user=clerk_a, course=course, worker=person_a, completed=True, certificate="电工证"
    )
    assert (entry.completed, entry.certificate) == (True, "电工证")
    with pytest.raises(ValidationError) as exc:
        services.participant_add(acting_user=clerk_a, course=course, worker=person_a)
    assert messages_of(exc) == ["此人已是该培训班学员。"]
    with pytest.raises(PermissionDenied):
        services.participant_add(acting_user=clerk_a, course=course, worker=person_b)
    future = CourseFactory(
        start_date=timezone.localdate(), end_date=timezone.localdate() + timedelta(days=10)
    )
    with pytest.raises(ValidationError) as exc:
        services.participant_add(acting_user=clerk_a, course=future, worker=person_a, completed=True)
    assert exc.value.message_dict == {
        "completed": [f"培训班尚未结业（结业日期 {future.end_date.isoformat()}），不能登记结业。"]
    }
    with pytest.raises(ValidationError) as exc:
        services.participant_update(
            acting_user=clerk_a, participation=entry, completed=False, certificate="电工证"
        )
    assert exc.value.message_dict == {"certificate": ["未结业的学员不能登记证书。"]}
    assert Participation.objects.get(pk=entry.pk).completed is True


# --- Events, brands, markets ----------------------------------------------------------------------------


def test_events(clerk_a, township_a, township_b):
    event = services.event_record(
        acting_user=clerk_a,
        name="春风行动",
        date=date(2025, 2, 20),
        mode="offline",
        organiser="甘宁镇政府",
        township=township_a,
        employers=30,
        posts_offered=500,
        attendees=800,
        hires=120,
    )
    assert event.hires == 120
    with pytest.raises(ValidationError) as exc:
        services.event_record(
            acting_user=clerk_a,
            name="x",
            date=date(2025, 2, 20),
            mode="offline",
            organiser="y",
            township=township_a,
            attendees=10,
            hires=11,
        )
    assert exc.value.message_dict == {"hires": ["达成就业意向人数不能多于参会人数。"]}
    with pytest.raises(PermissionDenied):
        services.event_record(
            acting_user=clerk_a,
            name="x",
            date=date(2025, 2, 20),
            mode="online",
            organiser="y",
            township=township_b,
        )
    assert RecruitmentEvent.objects.count() == 1


def test_brands_and_markets_are_bureau_only(bureau_user, clerk_a):
    assert set(LabourBrand.objects.values_list("name", flat=True)) >= set(services.PLAN_BRANDS)
    services.brand_save(acting_user=bureau_user, name="万州家政")
    with pytest.raises(ValidationError) as exc:
        services.brand_save(acting_user=bureau_user, name="万州家政")
    assert exc.value.message_dict == {"name": ["劳务品牌“万州家政”已存在。"]}
    with pytest.raises(PermissionDenied):
        services.brand_save(acting_user=clerk_a, name="甘宁果农")
    services.carrier_save(acting_user=bureau_user, name="三峡零工大本营")
    with pytest.raises(PermissionDenied):
        services.carrier_save(acting_user=clerk_a, name="甘宁零工驿站")
    assert list(Carrier.objects.values_list("name", flat=True)) == ["三峡零工大本营"]


def test_brands_load_is_idempotent():
    assert services.brands_load() == 0
    assert LabourBrand.objects.filter(name__in=services.PLAN_BRANDS).count() == 4


# --- a post is work (issue 19, DESIGN.md §4.2) ---------------------------------------------------------------


def test_a_post_records_its_employment_and_ending_the_post_ends_the_job(clerk_a, township_a):
    from assistance.selectors import post_holders, zero_employment_households
    from assistance.tests.factories import EnrolmentFactory
    from workers.models import Employment, EmploymentForm
    from workers.selectors import nearby_employment_matrix, poverty_alleviated_in_work
    from workers.tests.factories import HouseholdFactory, WorkerFactory

    household = HouseholdFactory(township=township_a)
    holder = WorkerFactory(township=township_a, household=household, is_poverty_alleviated=True)
    EnrolmentFactory(worker=holder, entry_date=date(2025, 1, 1))
    other = WorkerFactory(township=township_a)
    # Hand count before: the household has no one in work; no 脱贫人口 in work.
    assert list(zero_employment_households(on=date(2025, 6, 1))) == [household]
    assert poverty_alleviated_in_work(on=date(2025, 6, 1)) == 0

    post = services.post_assign(
        acting_user=clerk_a,
        worker=holder,
        kind="infrastructure",
        start_date=date(2025, 3, 1),
        monthly_subsidy=Decimal("600"),
    )
    job = post.employment
    assert (job.form, job.start_date, job.end_date, job.industry.code) == (
        EmploymentForm.PUBLIC_WELFARE,
        date(2025, 3, 1),
        None,
        "99",
    )
    assert (job.workplace_township, job.registration_township, job.employer.name) == (
        township_a,
        township_a,
        "公益性岗位",
    )
    # Every rule sees the job: in work on 06-01, the household meets the rule, new nearby employment 2025.
    assert poverty_alleviated_in_work(on=date(2025, 6, 1)) == 1
    assert list(zero_employment_households(on=date(2025, 6, 1))) == []
    assert nearby_employment_matrix(year=2025).total == 1
    services.post_assign(
        acting_user=clerk_a, worker=other, kind="information", start_date=date(2025, 3, 1), monthly_subsidy=0
    )
    # The indicator counts only the 脱贫人口 holder.
    assert post_holders(year=2025) == 2
    assert post_holders(year=2025, poverty_alleviated_only=True) == 1

    # The post ends: so does the job; from the day after, the holder is out of work again.
    services.post_end(acting_user=clerk_a, post=post, end_date=date(2025, 9, 30), reason="转岗")
    job.refresh_from_db()
    assert job.end_date == date(2025, 9, 30)
    assert poverty_alleviated_in_work(on=date(2025, 9, 30)) == 1
    assert poverty_alleviated_in_work(on=date(2025, 10, 1)) == 0
    assert list(zero_employment_households(on=date(2025, 10, 1))) == [household]
    assert nearby_employment_matrix(year=2025).total == 2  # new employment of 2025 stays
    assert Employment.objects.filter(welfare_post__isnull=False).count() == 2


def test_a_post_links_the_job_a_return_already_recorded(clerk_a, township_a):
    from workers.models import EmploymentForm
    from workers.tests.factories import EmploymentFactory, WorkerFactory

    holder = WorkerFactory(township=township_a)
    known = EmploymentFactory(worker=holder, form=EmploymentForm.PUBLIC_WELFARE, start_date=date(2025, 4, 1))
    post = services.post_assign(
        acting_user=clerk_a,
        worker=holder,
        kind="information",
        start_date=date(2025, 4, 1),
        end_date=date(2025, 8, 31),
        monthly_subsidy=Decimal("500"),
    )
    known.refresh_from_db()
    assert post.employment == known and known.end_date == date(2025, 8, 31)
    assert holder.employments.count() == 1
