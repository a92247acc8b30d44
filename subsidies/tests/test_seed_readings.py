"""Subsidies read as the plan writes them (issue 20). Each test starts from the seed's own sentence, quoted below,
and takes its numbers from that sentence — never from the code's constants — so a test fails if the code and
the seed part ways."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from subsidies import services
from subsidies.models import ApplicantType, Application, CapScope, CapScopeChange, Status
from subsidies.selectors import committed_sum
from workers.models import EmploymentForm
from workers.tests.factories import EmployerFactory, EmploymentFactory, HouseholdFactory, WorkerFactory

from .conftest import advance, entrepreneur, make_credit_code, startup_data

pytestmark = pytest.mark.django_db

#: seeds/000_… (万州人社发〔2025〕64号) 任务七, as written.
PLAN_TASK_7 = (
    "对符合条件的农村自主创业者和返乡农民工创办市场主体，给予最高8000元/户的创业补贴，"
    "对招用重庆籍农民工的企业，按政策给予最高1000元/人的农民工就业补贴。"
)
STARTUP_CAP = Decimal(re.search(r"最高(\d+)元/户的创业补贴", PLAN_TASK_7)[1])
HIRING_CAP = Decimal(re.search(r"最高(\d+)元/人的农民工就业补贴", PLAN_TASK_7)[1])
PLAN_YEARS = (2025, 2026, 2027)  # seeds/000_…: 2025—2027年


@pytest.fixture
def people(clerk_a, clerk_a2, reviewer_user):
    return {"clerk": clerk_a, "township_reviewer": clerk_a2, "district_reviewer": reviewer_user}


def refused(callable_, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        callable_(**kwargs)
    return " ".join(info.value.messages)


def approved(people, data):
    application = services.application_create(acting_user=people["clerk"], data=data)
    advance(application, **people)
    application.refresh_from_db()
    assert application.status == Status.DISTRICT_APPROVED
    return application


def yuan(value: Decimal) -> str:
    return f"{int(value):,}"


# --- Item 1: "创办市场主体，给予最高8000元/户" — 户 is the market entity created ------------------------------------


def test_two_relatives_each_founding_a_business_each_get_the_full_cap(kinds, people, township_a):
    """One family household, two market entities: two caps, not one shared."""
    family = HouseholdFactory(township=township_a)
    father, father_shop = entrepreneur(township_a, family)
    daughter, daughter_shop = entrepreneur(township_a, family)
    first = approved(people, startup_data(kinds, father, father_shop, STARTUP_CAP))
    second = approved(people, startup_data(kinds, daughter, daughter_shop, STARTUP_CAP, year=2026))
    assert first.amount_approved == second.amount_approved == STARTUP_CAP
    assert first.entity_code != second.entity_code


def test_a_founder_without_a_family_household_may_apply(kinds, people, township_a):
    founder, shop = entrepreneur(township_a, household=None)
    application = approved(people, startup_data(kinds, founder, shop, STARTUP_CAP))
    assert application.household is None and application.entity_code == shop.employer.credit_code


def test_one_entity_has_one_cap_whoever_of_its_founders_applies(kinds, people, township_a):
    """Two returnees who founded one enterprise together share its cap; the 户 is the enterprise."""
    first, job = entrepreneur(township_a)
    partner = WorkerFactory(township=township_a)
    partner_job = EmploymentFactory(
        worker=partner, employer=job.employer, form=EmploymentForm.SELF_EMPLOYED, start_date=date(2025, 3, 1)
    )
    approved(people, startup_data(kinds, first, job, STARTUP_CAP - 1000))
    over = services.application_create(
        acting_user=people["clerk"], data=startup_data(kinds, partner, partner_job, 1001, year=2026)
    )
    message = refused(services.application_submit, acting_user=people["clerk"], application=over)
    assert message == (
        f"超过补贴上限：创业补贴每个市场主体最高 {yuan(STARTUP_CAP)} 元（方案期内合计）。"
        f"已核定 {yuan(STARTUP_CAP - 1000)} 元，尚可 1,000 元，本次 1,001 元。"
    )


def test_one_founder_with_two_entities_has_a_cap_for_each(kinds, people, township_a):
    founder, shop = entrepreneur(township_a)
    second_shop = EmploymentFactory(
        worker=founder,
        employer=EmployerFactory(credit_code=make_credit_code()),
        form=EmploymentForm.SELF_EMPLOYED,
        start_date=date(2025, 9, 1),
    )
    approved(people, startup_data(kinds, founder, shop, STARTUP_CAP))
    approved(people, startup_data(kinds, founder, second_shop, STARTUP_CAP))


# --- Item 2: "最高1000元/人" — once per worker over the plan, whichever employer ----------------------------------


def hiring_data(kinds, employer, worker, amount, township, year):
    return services.ApplicationData(
        kind=kinds["hiring"],
        year=year,
        applicant_type=ApplicantType.EMPLOYER,
        employer=employer,
        township=township,
        lines=[(worker, Decimal(amount))],
    )


@pytest.fixture
def worker_of_three_employers(township_a):
    """A worker who changed employer every year of the plan."""
    worker = WorkerFactory(township=township_a)
    employers = []
    for year in PLAN_YEARS:
        employer = EmployerFactory(credit_code=make_credit_code())
        EmploymentFactory(
            worker=worker, employer=employer, start_date=date(year, 2, 1), end_date=date(year, 12, 31)
        )
        employers.append(employer)
    return worker, employers


def test_hiring_subsidy_is_once_per_worker_over_the_plan(
    kinds, people, worker_of_three_employers, township_a
):
    worker, employers = worker_of_three_employers
    approved(people, hiring_data(kinds, employers[0], worker, HIRING_CAP, township_a, PLAN_YEARS[0]))
    for employer, year in zip(employers[1:], PLAN_YEARS[1:], strict=True):
        later = services.application_create(
            acting_user=people["clerk"],
            data=hiring_data(kinds, employer, worker, HIRING_CAP, township_a, year),
        )
        message = refused(services.application_submit, acting_user=people["clerk"], application=later)
        assert message == (
            f"{worker.name}（{worker.masked_id_number}）已于2025年由“{employers[0].name}”申领农民工就业补贴，"
            "方案期内（2025—2027年）每人只能申领一次。"
        )
    # Over the plan the worker brought one cap, not one a year.
    total = committed_sum(Application.objects.filter(kind=kinds["hiring"]))
    assert total == HIRING_CAP


def test_bureau_scopes_the_hiring_cap_per_year_with_a_logged_reason(
    kinds, people, bureau_user, clerk_a, worker_of_three_employers, township_a
):
    hiring = kinds["hiring"]
    assert hiring.cap_scope == CapScope.PERSON_PLAN
    with pytest.raises(PermissionDenied) as info:
        services.kind_cap_scope_set(
            acting_user=clerk_a, kind=hiring, scope=CapScope.PERSON_YEAR, reason="镇街要求"
        )
    assert str(info.value) == "只有区人力社保局可以修改补贴上限的计算范围。"
    assert (
        refused(
            services.kind_cap_scope_set,
            acting_user=bureau_user,
            kind=hiring,
            scope=CapScope.PERSON_YEAR,
            reason=" ",
        )
        == "修改上限计算范围须填写原因。"
    )
    assert (
        refused(
            services.kind_cap_scope_set,
            acting_user=bureau_user,
            kind=hiring,
            scope=CapScope.ENTITY_PLAN,
            reason="试试",
        )
        == "“农民工就业补贴”的上限计算范围只能是：每人方案期内（2025—2027年）合计、每人每年。"
    )

    change = services.kind_cap_scope_set(
        acting_user=bureau_user, kind=hiring, scope=CapScope.PERSON_YEAR, reason="市政策明确每年可申领"
    )
    assert (change.from_scope, change.to_scope, change.reason, change.changed_by) == (
        CapScope.PERSON_PLAN,
        CapScope.PERSON_YEAR,
        "市政策明确每年可申领",
        bureau_user,
    )
    worker, employers = worker_of_three_employers
    for employer, year in zip(employers, PLAN_YEARS, strict=True):
        approved(people, hiring_data(kinds, employer, worker, HIRING_CAP, township_a, year))


def test_bureau_changes_the_scope_in_the_admin_only_with_a_reason(login, kinds, bureau_user):
    kind = kinds["hiring"]
    url = reverse("admin:subsidies_subsidykind_change", args=[kind.pk])
    browser = login(bureau_user)
    assert "上限计算范围" in browser.get(url).content.decode()
    data = {
        "name": kind.name,
        "source": kind.source,
        "description": "",
        "active": "on",
        "sort_order": kind.sort_order,
        "cap_scope": CapScope.PERSON_YEAR,
        "scope_reason": "",
        "scope_changes-TOTAL_FORMS": 0,
        "scope_changes-INITIAL_FORMS": 0,
        "years-TOTAL_FORMS": 0,
        "years-INITIAL_FORMS": 0,
    }
    response = browser.post(url, data)
    assert response.status_code == 200 and "修改上限计算范围须填写原因。" in response.content.decode()
    kind.refresh_from_db()
    assert kind.cap_scope == CapScope.PERSON_PLAN

    response = browser.post(url, {**data, "scope_reason": "按年度预算管理"})
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.cap_scope == CapScope.PERSON_YEAR
    assert CapScopeChange.objects.filter(kind=kind, changed_by=bureau_user, reason="按年度预算管理").exists()


# --- The migration carries existing data over -----------------------------------------------------------------

BEFORE = [("subsidies", "0002_trigram_search")]
AFTER = [("subsidies", "0006_workshop_craftsman_service_applicants")]  # the leaf: later tests need it


@pytest.mark.django_db(transaction=True)
def test_migration_keys_startups_by_entity_and_keeps_approved_amounts(township_a, clerk_a):
    # The kinds come back with the old rules below; today's workshop kind has no place in them.
    from subsidies.models import SubsidyKind

    SubsidyKind.objects.all().delete()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Kind = old.get_model("subsidies", "SubsidyKind")
    Application = old.get_model("subsidies", "Application")
    Line = old.get_model("subsidies", "ApplicationWorker")
    Kind.objects.all().delete()
    startup = Kind.objects.create(code="startup", name="创业补贴", rule="startup")
    hiring = Kind.objects.create(code="hiring", name="农民工就业补贴", rule="hiring")
    brand = Kind.objects.create(code="labour_brand", name="劳务品牌奖补", rule="labour_brand")
    service = Kind.objects.create(code="employment_service", name="就业创业服务补助", rule="yearly_cap")
    family = HouseholdFactory(township=township_a)
    founder, shop = entrepreneur(township_a, family)
    common = {"township_id": township_a.pk, "created_by_id": clerk_a.pk}
    paid = Application.objects.create(
        kind=startup,
        year=2025,
        applicant_type="worker",
        worker_id=founder.pk,
        household_id=family.pk,
        employment_id=shop.pk,
        amount_requested=Decimal("5000"),
        amount_approved=Decimal("5000"),
        status="paid",
        **common,
    )
    draft = Application.objects.create(
        kind=startup,
        year=2026,
        applicant_type="worker",
        worker_id=founder.pk,
        household_id=family.pk,
        employment_id=shop.pk,
        amount_requested=Decimal("3000"),
        **common,
    )
    employer = EmployerFactory(credit_code=make_credit_code())
    claim = Application.objects.create(
        kind=hiring,
        year=2025,
        applicant_type="employer",
        employer_id=employer.pk,
        amount_requested=Decimal("1000"),
        amount_approved=Decimal("1000"),
        status="district_approved",
        **common,
    )
    Line.objects.create(application=claim, worker_id=founder.pk, amount=Decimal("1000"))
    agency = Application.objects.create(
        kind=service,
        year=2025,
        applicant_type="employer",
        employer_id=employer.pk,
        amount_requested=Decimal("2000"),
        amount_approved=Decimal("1500"),
        status="payable",
        **common,
    )
    broker = Application.objects.create(
        kind=service, year=2025, applicant_type="worker", worker_id=founder.pk, amount_requested=1, **common
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Kind = new.get_model("subsidies", "SubsidyKind")
    Application = new.get_model("subsidies", "Application")
    Change = new.get_model("subsidies", "CapScopeChange")

    assert dict(Kind.objects.values_list("code", "cap_scope")) == {
        "startup": "entity_plan",
        "hiring": "person_plan",
        "labour_brand": "subject_plan",
        "employment_service": "applicant_year",
    }
    assert Kind.objects.get(code="employment_service").rule == "service_aid"
    assert brand.pk in Kind.objects.values_list("pk", flat=True)
    rows = {a.pk: a for a in Application.objects.all()}
    assert rows[paid.pk].entity_code == rows[draft.pk].entity_code == shop.employer.credit_code
    assert (rows[paid.pk].status, rows[paid.pk].amount_approved) == ("paid", Decimal("5000"))
    assert (rows[claim.pk].status, rows[claim.pk].amount_approved) == ("district_approved", Decimal("1000"))
    assert rows[draft.pk].amount_approved is None and rows[claim.pk].entity_code == ""
    assert (rows[agency.pk].applicant_type, rows[agency.pk].employer_id) == ("agency", employer.pk)
    assert (rows[agency.pk].status, rows[agency.pk].amount_approved) == ("payable", Decimal("1500"))
    assert (rows[broker.pk].applicant_type, rows[broker.pk].worker_id) == ("broker", founder.pk)
    changes = {c.kind.code: c for c in Change.objects.select_related("kind")}
    assert set(changes) == {"startup", "hiring"}
    assert changes["hiring"].from_scope == "person_year" and changes["hiring"].changed_by is None
    assert "最高8000元/户" in changes["startup"].reason


# --- Item 3: the city document's kinds (seeds/004_…, 渝人社规〔2026〕6号) -------------------------------------------

#: §7, as written: the workshop's aid is for absorbing these two groups; the amount is left to 按规定.
CITY_WORKSHOP = "对吸纳防止返贫致贫对象和继续帮扶对象务工就业的按规定给予补助"
#: §9, as written: who applies for 就业创业服务补助.
CITY_SERVICE = "对面向防止返贫致贫对象和继续帮扶对象开展有组织劳务输出的人力资源服务机构、劳务经纪人，按规定给予就业创业服务补助"


def test_workshop_aid_for_absorbing_the_two_groups_capped_per_workshop_by_the_bureau(
    kinds, people, township_a
):
    from subsidies.models import SubsidyKindYear

    assert "防止返贫致贫对象" in CITY_WORKSHOP and "继续帮扶对象" in CITY_WORKSHOP
    workshop = EmployerFactory(credit_code=make_credit_code())
    monitored = WorkerFactory(township=township_a, is_monitored=True)
    supported = WorkerFactory(township=township_a, is_continued_support=True)
    other = WorkerFactory(township=township_a)
    for worker in (monitored, supported, other):
        EmploymentFactory(
            worker=worker,
            employer=workshop,
            form=EmploymentForm.ASSISTANCE_WORKSHOP,
            start_date=date(2025, 4, 1),
        )

    def data(lines):
        return services.ApplicationData(
            kind=kinds["assistance_workshop"],
            year=2025,
            applicant_type=ApplicantType.WORKSHOP,
            employer=workshop,
            township=township_a,
            lines=[(w, Decimal(a)) for w, a in lines],
        )

    message = refused(services.application_create, acting_user=people["clerk"], data=data([(other, 500)]))
    assert message == f"{other.name}不是防止返贫致贫对象或继续帮扶对象，不能计入就业帮扶车间吸纳补助。"

    application = services.application_create(
        acting_user=people["clerk"], data=data([(monitored, 500), (supported, 500)])
    )
    services.application_submit(acting_user=people["clerk"], application=application)
    services.application_township_approve(acting_user=people["township_reviewer"], application=application)
    message = refused(
        services.application_district_approve,
        acting_user=people["district_reviewer"],
        application=application,
    )
    assert message.startswith("“就业帮扶车间吸纳补助”2025年尚未设定补贴上限，不能审核通过。")

    SubsidyKindYear.objects.filter(kind=kinds["assistance_workshop"], year=2025).update(cap=Decimal("1500"))
    services.application_district_approve(acting_user=people["district_reviewer"], application=application)
    second = services.application_create(acting_user=people["clerk"], data=data([(monitored, 501)]))
    message = refused(services.application_submit, acting_user=people["clerk"], application=second)
    assert message == (
        "超过补贴上限：就业帮扶车间吸纳补助2025年每个就业帮扶车间最高 1,500 元。"
        "已核定 1,000 元，尚可 500 元，本次 501 元。"
    )


def test_brokers_and_agencies_apply_for_the_service_aid(kinds, people, township_a):
    """§9: "对面向防止返贫致贫对象和继续帮扶对象开展有组织劳务输出的人力资源服务机构、劳务经纪人，按规定给予就业创业服务
    补助": the applicant lists the people it placed — each a 防止返贫致贫对象 or 继续帮扶对象 with a job started in
    the year."""
    from subsidies.models import SubsidyKindYear
    from subsidies.rules import ALLOWED_APPLICANTS, PLACED_NO_JOB, PLACED_NOT_TARGET, PLACED_REQUIRED

    kind = kinds["employment_service"]
    assert set(ALLOWED_APPLICANTS[kind.rule]) == {ApplicantType.AGENCY, ApplicantType.BROKER}
    assert "人力资源服务机构" in CITY_SERVICE and "劳务经纪人" in CITY_SERVICE
    SubsidyKindYear.objects.filter(kind=kind, year=2025).update(cap=Decimal("3000"))
    broker = WorkerFactory(township=township_a)
    agency = EmployerFactory(credit_code=make_credit_code())
    placed = []
    for _n in range(2):
        person = WorkerFactory(township=township_a, is_monitored=True)
        EmploymentFactory(
            worker=person, start_date=date(2025, 4, 1), workplace="out_of_city", workplace_township=None
        )
        placed.append(person)
    not_target = WorkerFactory(township=township_a)
    EmploymentFactory(worker=not_target, start_date=date(2025, 4, 1))
    no_job = WorkerFactory(township=township_a, is_continued_support=True)

    def by_broker_data(lines):
        return services.ApplicationData(
            kind=kind, year=2025, applicant_type=ApplicantType.BROKER, worker=broker, lines=lines
        )

    create = services.application_create
    assert refused(create, acting_user=people["clerk"], data=by_broker_data([])) == str(PLACED_REQUIRED)
    message = refused(
        create,
        acting_user=people["clerk"],
        data=by_broker_data([(not_target, Decimal(500)), (no_job, Decimal(500))]),
    )
    assert str(PLACED_NOT_TARGET.format(name=not_target.name)) in message
    assert str(PLACED_NO_JOB.format(name=no_job.name, year=2025)) in message
    by_broker = approved(people, by_broker_data([(p, Decimal(1500)) for p in placed]))
    assert by_broker.amount_requested == Decimal(3000)
    by_agency = approved(
        people,
        services.ApplicationData(
            kind=kind,
            year=2025,
            applicant_type=ApplicantType.AGENCY,
            employer=agency,
            township=township_a,
            lines=[(placed[0], Decimal(3000))],
        ),
    )
    assert by_broker.applicant_label == broker.name and by_agency.applicant_label == agency.name
    message = refused(
        services.application_create,
        acting_user=people["clerk"],
        data=services.ApplicationData(
            kind=kind,
            year=2025,
            applicant_type=ApplicantType.WORKER,
            worker=broker,
            amount_requested=Decimal(1),
        ),
    )
    assert message == "“就业创业服务补助”的申请对象只能是：人力资源服务机构、劳务经纪人。"


def test_rural_craftsman_kind_is_capped_by_the_bureau(kinds):
    kind = kinds["rural_craftsman"]
    assert kind.name == "乡村工匠带动补贴" and kind.cap_scope == CapScope.APPLICANT_YEAR


BEFORE_WORKSHOP = [("subsidies", "0005_cap_scope_fits_rule")]


@pytest.mark.django_db(transaction=True)
def test_going_back_before_the_workshop_rule_refuses_while_workshop_claims_exist(township_a, clerk_a):
    """Migrating back from 0006 cannot hold a 就业帮扶车间 claim (the old rules lack it): it refuses with what to
    do and changes nothing; with no claim, the workshop kind (reference data) is dropped and the way back works."""
    from subsidies.models import SubsidyKind

    kind = SubsidyKind.objects.filter(rule="workshop").first() or SubsidyKind.objects.create(
        code="workshop_absorption", name="就业帮扶车间吸纳补助", rule="workshop", cap_scope="entity_year"
    )
    workshop = EmployerFactory(name="万州甘宁就业帮扶车间")
    claim = Application.objects.create(
        kind=kind,
        year=2026,
        applicant_type=ApplicantType.WORKSHOP,
        employer=workshop,
        township=township_a,
        created_by=clerk_a,
        amount_requested=Decimal("3000"),
    )
    executor = MigrationExecutor(connection)
    with pytest.raises(RuntimeError, match="已有1份就业帮扶车间吸纳补助申请"):
        executor.migrate(BEFORE_WORKSHOP)
    assert Application.objects.filter(pk=claim.pk).exists()
    claim.delete()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_WORKSHOP)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    assert not SubsidyKind.objects.filter(rule="workshop").exists()  # load_reference_data writes it again
