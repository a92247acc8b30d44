"""Every cap of task 7 (and task 3, and the city document's kinds): at the limit accepted, one yuan over
refused with a message naming the cap and what is left."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from subsidies import rules, services
from subsidies.models import ApplicantType, Application, CapScope, ParkStage, Status, SubsidyKindYear
from workers.tests.factories import EmployerFactory, EmploymentFactory, WorkerFactory

from .conftest import advance, entrepreneur, make_credit_code, startup_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(clerk_a, clerk_a2, reviewer_user):
    return {"clerk": clerk_a, "township_reviewer": clerk_a2, "district_reviewer": reviewer_user}


def approve(application, people, amount=None):
    return advance(application, amount=amount, **people)


def refused(callable_, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        callable_(**kwargs)
    return " ".join(info.value.messages)


def create(clerk, data):
    return services.application_create(acting_user=clerk, data=data)


# --- 创业补贴: ≤ 8,000 per market entity created, whole plan period (the seed readings: test_seed_readings.py) ---


def test_startup_at_the_cap_is_approved(kinds, people, household_a, township_a):
    worker, job = entrepreneur(township_a, household_a)
    application = create(people["clerk"], startup_data(kinds, worker, job, 8000))
    approve(application, people)
    application.refresh_from_db()
    assert application.status == Status.DISTRICT_APPROVED
    assert application.amount_approved == Decimal("8000")
    assert application.entity_code == job.employer.credit_code


def test_startup_one_yuan_over_is_refused_naming_cap_and_rest(kinds, people, household_a, township_a):
    worker, job = entrepreneur(township_a, household_a)
    application = create(people["clerk"], startup_data(kinds, worker, job, 8001))
    message = refused(services.application_submit, acting_user=people["clerk"], application=application)
    assert message == (
        "超过补贴上限：创业补贴每个市场主体最高 8,000 元（方案期内合计）。已核定 0 元，尚可 8,000 元，本次 8,001 元。"
    )
    application.refresh_from_db()
    assert application.status == Status.DRAFT and application.submitted_by is None


def test_startup_cap_counts_the_entity_across_years(kinds, people, township_a):
    founder, job = entrepreneur(township_a)
    approve(create(people["clerk"], startup_data(kinds, founder, job, 5000, year=2025)), people)

    over = create(people["clerk"], startup_data(kinds, founder, job, 3001, year=2026))
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert message == (
        "超过补贴上限：创业补贴每个市场主体最高 8,000 元（方案期内合计）。已核定 5,000 元，尚可 3,000 元，本次 3,001 元。"
    )
    at_rest = create(people["clerk"], startup_data(kinds, founder, job, 3000, year=2026))
    approve(at_rest, people)
    at_rest.refresh_from_db()
    assert at_rest.status == Status.DISTRICT_APPROVED


def test_startup_entity_cap_refused_at_district_approval(kinds, people, township_a):
    founder, job = entrepreneur(township_a)
    a = create(people["clerk"], startup_data(kinds, founder, job, 5000, year=2025))
    b = create(people["clerk"], startup_data(kinds, founder, job, 3001, year=2026))
    for application in (a, b):
        services.application_submit(acting_user=people["clerk"], application=application)
        services.application_township_approve(
            acting_user=people["township_reviewer"], application=application
        )
    services.application_district_approve(acting_user=people["district_reviewer"], application=a)

    message = refused(
        services.application_district_approve, acting_user=people["district_reviewer"], application=b
    )
    assert "创业补贴每个市场主体最高 8,000 元（方案期内合计）" in message
    assert "已核定 5,000 元，尚可 3,000 元，本次 3,001 元" in message
    b.refresh_from_db()
    assert b.status == Status.TOWNSHIP_APPROVED and b.amount_approved is None

    # The reviewer may approve what is left.
    services.application_district_approve(acting_user=people["district_reviewer"], application=b, amount=3000)
    b.refresh_from_db()
    assert b.amount_approved == Decimal("3000")


def test_startup_needs_the_founders_own_self_employment(kinds, clerk_a, township_a, household_a):
    other, job = entrepreneur(township_a, household_a)
    worker, _job = entrepreneur(township_a, household_a)
    message = refused(create, clerk=clerk_a, data=startup_data(kinds, worker, job, 1000))
    assert message == "所选就业记录不是申请人本人的自主创业记录。"
    assert not Application.objects.exists()


def test_startup_entity_without_credit_code_needs_its_code_or_registration_number(kinds, people, township_a):
    founder, job = entrepreneur(township_a)
    job.employer.credit_code = ""
    job.employer.save()
    employer = job.employer.name
    message = refused(create, clerk=people["clerk"], data=startup_data(kinds, founder, job, 1000))
    assert message == (
        f"创业补贴按所创办的市场主体计算上限，“{employer}”在台账中没有统一社会信用代码：请填写其营业执照上的"
        "统一社会信用代码或15位注册号，或先在“就业单位”页面为该单位补全。"
    )
    message = refused(
        create, clerk=people["clerk"], data=startup_data(kinds, founder, job, 1000, entity_code="5001011234")
    )
    assert message == "“5001011234”不是有效的统一社会信用代码（18位）或注册号（15位数字）。"

    # A 个体工商户 registered before it had a credit code: its 15-digit 注册号 keys the cap.
    first = create(people["clerk"], startup_data(kinds, founder, job, 6000, entity_code="500101 600012345"))
    assert first.entity_code == "500101600012345"
    approve(first, people)
    over = create(people["clerk"], startup_data(kinds, founder, job, 2001, entity_code="500101600012345"))
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert "已核定 6,000 元，尚可 2,000 元，本次 2,001 元" in message


def test_a_business_known_first_by_its_registration_number_then_by_its_credit_code_is_one_entity(
    kinds, people, township_a
):
    """ "给予最高8000元/户": a 个体工商户 claimed under its 15-digit 注册号 while the ledger had no code, and
    again once the ledger holds its 统一社会信用代码, is one market entity — one 8,000 cap, not two."""
    founder, job = entrepreneur(township_a)
    credit_code = job.employer.credit_code
    job.employer.credit_code = ""
    job.employer.save()
    first = create(people["clerk"], startup_data(kinds, founder, job, 6000, entity_code="500101600012345"))
    approve(first, people)
    job.employer.credit_code = credit_code
    job.employer.save()
    job.refresh_from_db()
    again = create(people["clerk"], startup_data(kinds, founder, job, 2001))
    assert again.entity_code == credit_code
    message = refused(services.application_submit, acting_user=people["clerk"], application=again)
    assert "已核定 6,000 元，尚可 2,000 元，本次 2,001 元" in message


def test_startup_code_must_match_the_ledger(kinds, clerk_a, township_a):
    founder, job = entrepreneur(township_a)
    other_code = make_credit_code()
    message = refused(
        create, clerk=clerk_a, data=startup_data(kinds, founder, job, 1000, entity_code=other_code)
    )
    assert message == (
        f"所创办的市场主体“{job.employer.name}”在台账中的统一社会信用代码为 {job.employer.credit_code}，"
        f"与填写的 {other_code} 不一致。"
    )


# --- 农民工就业补贴: ≤ 1,000 per worker, once over the plan across all employers --------------------------------------


def hiring_data(kinds, employer, lines, township, year=2025):
    return services.ApplicationData(
        kind=kinds["hiring"],
        year=year,
        applicant_type=ApplicantType.EMPLOYER,
        employer=employer,
        township=township,
        lines=[(worker, Decimal(amount)) for worker, amount in lines],
    )


@pytest.fixture
def two_employers(township_a):
    worker = WorkerFactory(township=township_a)
    first = EmployerFactory(credit_code=make_credit_code())
    second = EmployerFactory(credit_code=make_credit_code())
    EmploymentFactory(worker=worker, employer=first, start_date=date(2025, 2, 1), end_date=date(2025, 6, 30))
    EmploymentFactory(worker=worker, employer=second, start_date=date(2025, 7, 1))
    return worker, first, second


def test_hiring_at_the_cap_per_worker_and_one_yuan_over(kinds, people, two_employers, township_a):
    worker, first, _second = two_employers
    over = create(people["clerk"], hiring_data(kinds, first, [(worker, 1001)], township_a))
    assert over.amount_requested == Decimal("1001")
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert message == (
        f"超过补贴上限：农民工就业补贴每人最高 1,000 元（{worker.name}）。已核定 0 元，尚可 1,000 元，本次 1,001 元。"
    )
    at_cap = create(people["clerk"], hiring_data(kinds, first, [(worker, 1000)], township_a))
    approve(at_cap, people)
    at_cap.refresh_from_db()
    assert at_cap.amount_approved == Decimal("1000")


def test_hiring_worker_claimed_once_a_year_when_bureau_scopes_it_so(
    kinds, people, bureau_user, two_employers, township_a
):
    services.kind_cap_scope_set(
        acting_user=bureau_user,
        kind=kinds["hiring"],
        scope=CapScope.PERSON_YEAR,
        reason="市级文件明确按年度申领",
    )
    worker, first, second = two_employers
    a = create(people["clerk"], hiring_data(kinds, first, [(worker, 1000)], township_a))
    services.application_submit(acting_user=people["clerk"], application=a)
    b = create(people["clerk"], hiring_data(kinds, second, [(worker, 500)], township_a))
    # While the first claim is under review, the second is refused at submission …
    message = refused(services.application_submit, acting_user=people["clerk"], application=b)
    assert message == (
        f"{worker.name}（{worker.masked_id_number}）2025年已列入“{first.name}”的农民工就业补贴申请"
        f"（{a.number}，审核中），每人每年只能申领一次。"
    )
    # … and once it is approved, too.
    services.application_township_approve(acting_user=people["township_reviewer"], application=a)
    services.application_district_approve(acting_user=people["district_reviewer"], application=a)
    message = refused(services.application_submit, acting_user=people["clerk"], application=b)
    assert message == (
        f"{worker.name}（{worker.masked_id_number}）2025年已由“{first.name}”申领农民工就业补贴，每人每年只能申领一次。"
    )
    b.refresh_from_db()
    assert b.status == Status.DRAFT

    # Scoped per year by the bureau, the next year the worker can be claimed again.
    c = create(people["clerk"], hiring_data(kinds, second, [(worker, 1000)], township_a, year=2026))
    approve(c, people)
    c.refresh_from_db()
    assert c.status == Status.DISTRICT_APPROVED


def test_hiring_once_a_year_holds_at_district_approval(monkeypatch, kinds, people, two_employers, township_a):
    """Two claims that slipped through submission together (say, submitted at the same moment): the district
    approval, under the kind's lock, still lets only one through."""
    monkeypatch.setattr(rules, "hiring_pending_check", lambda application: None)
    worker, first, second = two_employers
    a = create(people["clerk"], hiring_data(kinds, first, [(worker, 1000)], township_a))
    b = create(people["clerk"], hiring_data(kinds, second, [(worker, 500)], township_a))
    for application in (a, b):
        services.application_submit(acting_user=people["clerk"], application=application)
        services.application_township_approve(
            acting_user=people["township_reviewer"], application=application
        )
    services.application_district_approve(acting_user=people["district_reviewer"], application=a)
    message = refused(
        services.application_district_approve, acting_user=people["district_reviewer"], application=b
    )
    assert message == (
        f"{worker.name}（{worker.masked_id_number}）已于2025年由“{first.name}”申领农民工就业补贴，"
        "方案期内（2025—2027年）每人只能申领一次。"
    )
    b.refresh_from_db()
    assert b.status == Status.TOWNSHIP_APPROVED and b.amount_approved is None


def test_hiring_lists_only_workers_employed_there(kinds, clerk_a, two_employers, township_a):
    _worker, first, _second = two_employers
    stranger = WorkerFactory(township=township_a)
    message = refused(create, clerk=clerk_a, data=hiring_data(kinds, first, [(stranger, 1000)], township_a))
    assert message == f"{stranger.name}在台账中没有2025年在“{first.name}”就业的记录，不能申领。"


def test_hiring_employer_needs_credit_code(kinds, clerk_a, township_a):
    worker = WorkerFactory(township=township_a)
    employer = EmployerFactory(credit_code="")
    EmploymentFactory(worker=worker, employer=employer)
    message = refused(create, clerk=clerk_a, data=hiring_data(kinds, employer, [(worker, 1000)], township_a))
    assert "没有统一社会信用代码" in message


# --- 创业担保贷款贴息: principal caps and 50 % of the interest actually paid --------------------------------


def loan_data(
    kinds, *, principal, interest, amount, worker=None, employer=None, township=None, contract="DK-1"
):
    return services.ApplicationData(
        kind=kinds["loan_interest"],
        year=2025,
        applicant_type=ApplicantType.WORKER if worker else ApplicantType.EMPLOYER,
        worker=worker,
        employer=employer,
        township=township,
        amount_requested=Decimal(amount),
        loan_contract_no=contract,
        lender="重庆农村商业银行万州分行",
        principal=Decimal(principal),
        interest_paid=Decimal(interest),
        period_start=date(2025, 1, 1),
        period_end=date(2025, 6, 30),
    )


def test_interest_subsidy_is_half_the_interest_paid(kinds, people, township_a):
    worker = WorkerFactory(township=township_a)
    over = create(
        people["clerk"],
        loan_data(kinds, principal=300000, interest="7200.50", amount="3600.26", worker=worker),
    )
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert message == (
        "超过补贴上限：创业担保贷款贴息为期内实际支付利息 7,200.50 元的 50%，即最高 3,600.25 元。"
        "已核定 0 元，尚可 3,600.25 元，本次 3,600.26 元。"
    )
    ok = create(
        people["clerk"],
        loan_data(
            kinds, principal=300000, interest="7200.50", amount="3600.25", worker=worker, contract="DK-2"
        ),
    )
    approve(ok, people)
    ok.refresh_from_db()
    assert ok.amount_approved == Decimal("3600.25")


def test_loan_principal_caps_individual_and_enterprise(kinds, people, township_a):
    worker = WorkerFactory(township=township_a)
    over = create(
        people["clerk"], loan_data(kinds, principal=300001, interest=1000, amount=500, worker=worker)
    )
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert message == "创业担保贷款贴息个人贷款本金最高 300,000 元：填写的贷款本金为 300,001 元，超过上限。"

    company = EmployerFactory(credit_code=make_credit_code())
    ok = create(
        people["clerk"],
        loan_data(
            kinds,
            principal=4000000,
            interest=1000,
            amount=500,
            employer=company,
            township=township_a,
            contract="DK-9",
        ),
    )
    approve(ok, people)
    over_company = create(
        people["clerk"],
        loan_data(
            kinds,
            principal=4000001,
            interest=1000,
            amount=500,
            employer=company,
            township=township_a,
            contract="DK-10",
        ),
    )
    message = refused(services.application_submit, acting_user=people["clerk"], application=over_company)
    assert "小微企业贷款本金最高 4,000,000 元" in message


def test_loan_period_cannot_be_claimed_twice(kinds, people, township_a):
    worker = WorkerFactory(township=township_a)
    approve(
        create(people["clerk"], loan_data(kinds, principal=100000, interest=1000, amount=500, worker=worker)),
        people,
    )
    again = create(
        people["clerk"], loan_data(kinds, principal=100000, interest=1000, amount=500, worker=worker)
    )
    message = refused(services.application_submit, acting_user=people["clerk"], application=again)
    assert "贴息期不能重叠" in message


# --- 返乡创业园区: 600,000 once, then ≤ 300,000 in total over the following three years -------------------------


def park_data(kinds, township, stage, amount, year, certified=date(2025, 5, 20), name="万州返乡创业园"):
    return services.ApplicationData(
        kind=kinds["park"],
        year=year,
        applicant_type=ApplicantType.PARK,
        township=township,
        subject_name=name,
        park_stage=stage,
        certified_on=certified,
        amount_requested=Decimal(amount),
    )


def test_park_initial_600000_once(kinds, people, township_a):
    over = create(people["clerk"], park_data(kinds, township_a, ParkStage.INITIAL, 600001, 2025))
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert "返乡创业园区补贴市级认定一次性补贴每家 600,000 元（只补一次）" in message
    assert "尚可 600,000 元，本次 600,001 元" in message
    approve(create(people["clerk"], park_data(kinds, township_a, ParkStage.INITIAL, 600000, 2025)), people)
    # Same park under a differently spaced name: still the same park.
    again = create(
        people["clerk"], park_data(kinds, township_a, ParkStage.INITIAL, 1, 2025, name="万州 返乡创业园")
    )
    message = refused(services.application_submit, acting_user=people["clerk"], application=again)
    assert message == "“万州 返乡创业园”已核定市级认定一次性补贴 600,000 元，一次性补贴只能申领一次。"


def test_park_follow_up_300000_over_three_years(kinds, people, township_a):
    approve(create(people["clerk"], park_data(kinds, township_a, ParkStage.FOLLOW_UP, 200000, 2026)), people)
    over = create(people["clerk"], park_data(kinds, township_a, ParkStage.FOLLOW_UP, 100001, 2027))
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert message == (
        "超过补贴上限：返乡创业园区补贴认定后三年内绩效奖补每家合计最高 300,000 元。"
        "已核定 200,000 元，尚可 100,000 元，本次 100,001 元。"
    )
    approve(create(people["clerk"], park_data(kinds, township_a, ParkStage.FOLLOW_UP, 100000, 2027)), people)


def test_park_follow_up_only_in_the_three_years_after_certification(kinds, clerk_a, township_a):
    message = refused(
        create, clerk=clerk_a, data=park_data(kinds, township_a, ParkStage.FOLLOW_UP, 1000, 2025)
    )
    assert message == "后续绩效奖补只能在市级认定后的三年内（2026—2028年）申领，本申请为2025年。"


# --- 劳务品牌奖补 ≤ 500,000 per brand -----------------------------------------------------------------------


def brand_data(kinds, township, amount, name="三峡季工"):
    return services.ApplicationData(
        kind=kinds["labour_brand"],
        year=2025,
        applicant_type=ApplicantType.BRAND,
        township=township,
        subject_name=name,
        amount_requested=Decimal(amount),
    )


def test_labour_brand_cap(kinds, people, township_a):
    approve(create(people["clerk"], brand_data(kinds, township_a, 300000)), people)
    over = create(people["clerk"], brand_data(kinds, township_a, 200001))
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert (
        message
        == "超过补贴上限：劳务品牌奖补每个品牌最高 500,000 元（方案期内合计）。已核定 300,000 元，尚可 200,000 元，本次 200,001 元。"
    )
    approve(create(people["clerk"], brand_data(kinds, township_a, 200000)), people)
    # Another brand has its own cap.
    approve(create(people["clerk"], brand_data(kinds, township_a, 500000, name="万州面厨")), people)


# --- City kinds: caps set by bureau staff per year ---------------------------------------------------------


def transport_data(kinds, worker, amount, year=2025):
    return services.ApplicationData(
        kind=kinds["transport"],
        year=year,
        applicant_type=ApplicantType.WORKER,
        worker=worker,
        amount_requested=Decimal(amount),
    )


def test_city_kind_without_cap_can_be_submitted_but_not_approved(kinds, people, township_a):
    worker = WorkerFactory(township=township_a)
    application = create(people["clerk"], transport_data(kinds, worker, 300))
    services.application_submit(acting_user=people["clerk"], application=application)
    services.application_township_approve(acting_user=people["township_reviewer"], application=application)
    message = refused(
        services.application_district_approve,
        acting_user=people["district_reviewer"],
        application=application,
    )
    assert (
        message
        == "“跨区域交通补助”2025年尚未设定补贴上限，不能审核通过。请区人力社保局先在“年度补贴标准”中设定。"
    )

    SubsidyKindYear.objects.filter(kind=kinds["transport"], year=2025).update(cap=Decimal("500"))
    services.application_district_approve(acting_user=people["district_reviewer"], application=application)
    over = create(people["clerk"], transport_data(kinds, worker, 201))
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert (
        message
        == "超过补贴上限：跨区域交通补助2025年每个对象最高 500 元。已核定 300 元，尚可 200 元，本次 201 元。"
    )
    approve(create(people["clerk"], transport_data(kinds, worker, 200)), people)


# --- Yearly budget ------------------------------------------------------------------------------------------


def test_budget_refuses_approvals_beyond_it_showing_what_is_left(kinds, people, township_a):
    SubsidyKindYear.objects.filter(kind=kinds["labour_brand"], year=2025).update(budget=Decimal("600000"))
    approve(create(people["clerk"], brand_data(kinds, township_a, 500000, name="三峡保安")), people)
    over = create(people["clerk"], brand_data(kinds, township_a, 100001, name="万州面厨"))
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert (
        message
        == "超出年度预算：劳务品牌奖补2025年预算 600,000 元。已核定 500,000 元，剩余 100,000 元，本次 100,001 元。"
    )
    approve(create(people["clerk"], brand_data(kinds, township_a, 100000, name="万州面厨")), people)


def test_withdrawn_approval_releases_the_cap(kinds, people, bureau_user, household_a, township_a):
    worker, job = entrepreneur(township_a, household_a)
    first = create(people["clerk"], startup_data(kinds, worker, job, 8000))
    approve(first, people)
    services.application_withdraw(acting_user=bureau_user, application=first, reason="申请人放弃")
    second = create(people["clerk"], startup_data(kinds, worker, job, 8000))
    approve(second, people)
    second.refresh_from_db()
    assert second.status == Status.DISTRICT_APPROVED


def test_yuan_formatting():
    assert rules.yuan(Decimal("8000")) == "8,000"
    assert rules.yuan(Decimal("3600.25")) == "3,600.25"
    assert rules.yuan(None) == "—"
