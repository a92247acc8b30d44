"""The write rules of the ledger (DESIGN.md §4.1, §4.2, §4.8), through the services with real users.

Every refusal is asserted with its exact message constant, and that nothing was written. The last section
holds the database constraints against raw writes that bypass the services.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from targets.models import Industry, QuarterLock, QuarterLockEvent, Township
from targets.scoping import NOT_IN_SCOPE, READ_ONLY_ROLE
from targets.services import (
    ONLY_BUREAU,
    QUARTER_ALREADY_LOCKED,
    QUARTER_LOCKED,
    QUARTER_NOT_CLOSED,
    QUARTER_NOT_LOCKED,
    UNLOCK_NEEDS_REASON,
    quarter_lock,
    quarter_unlock,
)
from workers.models import Employer, Employment, EmploymentForm, Source, Worker, Workplace
from workers.services import (
    EMPLOYER_CREDIT_CODE_CONFLICT,
    EMPLOYMENT_DUPLICATE,
    END_BEFORE_START,
    ID_NUMBER_ALREADY_REGISTERED,
    ID_NUMBER_OTHER_TOWNSHIP,
    INCOME_NEGATIVE,
    STALE_VERSION,
    START_IN_FUTURE,
    START_TOO_EARLY,
    TOWNSHIP_CHANGE_BUREAU_ONLY,
    TOWNSHIP_CHANGE_BY_MOVE,
    UNDER_AGE,
    WORKPLACE_TOWNSHIP_REQUIRED,
    EmploymentData,
    employment_delete,
    employment_end,
    employment_record,
    employment_update,
    worker_register,
    worker_update,
)
from workers.tests.factories import EmployerFactory, EmploymentFactory, WorkerFactory, make_id_number
from workers.validators import credit_code_check_char, id_number_check_char, organisation_code_check_char

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def id_ending_in_x(birth: date = date(1988, 7, 6)) -> str:
    """A valid ID number of a man born on `birth` whose check character is X."""
    for seq in range(1, 1000, 2):
        body = f"500101{birth:%Y%m%d}{seq:03d}"
        if id_number_check_char(body) == "X":
            return body + "X"
    raise AssertionError("no sequence gives X")


def credit_code(org_body: str) -> str:
    """A valid unified social credit code around the given 8-character organisation-code body."""
    body17 = "91500101" + org_body + organisation_code_check_char(org_body)
    return body17 + credit_code_check_char(body17)


CODE_1 = credit_code("MA5U7K3B")
CODE_2 = credit_code("MA61BQ2C")


def job_data(**overrides) -> EmploymentData:
    values = {
        "employer_name": "万州ABC科技有限公司",
        "industry": Industry.objects.get(code="02"),
        "workplace": Workplace.IN_DISTRICT,
        "workplace_township": None,
        "form": EmploymentForm.UNIT,
        "start_date": date(2025, 3, 15),
    }
    values.update(overrides)
    return EmploymentData(**values)


@pytest.fixture
def person(township_a):
    return WorkerFactory(township=township_a, id_number=make_id_number(date(1985, 4, 12)))


def messages(exc_info) -> dict | list:
    error = exc_info.value
    return error.message_dict if hasattr(error, "error_dict") else error.messages


# --- worker_register --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(lambda n: n[:-1] + "x", id="lower-case x"),
        pytest.param(lambda n: n.translate(FULL_WIDTH), id="full-width"),
        pytest.param(lambda n: f" {n[:6]} {n[6:14]}\u3000{n[14:]} ", id="spaces"),
    ],
)
def test_worker_register_happy_path(clerk_a, township_a, spelling):
    id_number = id_ending_in_x(date(1988, 7, 6))
    worker = worker_register(
        acting_user=clerk_a, id_number=spelling(id_number), name=" 张 三 ", township=township_a
    )
    worker.refresh_from_db()
    assert worker.id_number == id_number
    assert (worker.sex, worker.birth_date) == ("男", date(1988, 7, 6))
    assert worker.township == township_a
    assert worker.name == "张三"
    assert worker.created_by == clerk_a
    assert worker.version == 1


def test_worker_register_woman_with_categories(clerk_a, township_a):
    id_number = make_id_number(date(1979, 12, 31), female=True)
    worker = worker_register(
        acting_user=clerk_a,
        id_number=id_number,
        name="李芳",
        township=township_a,
        categories=["脱贫人口", "低保"],
    )
    assert (worker.sex, worker.birth_date) == ("女", date(1979, 12, 31))
    assert worker.is_poverty_alleviated and worker.is_dibao and not worker.is_monitored


def test_clerk_cannot_register_into_another_township(clerk_a, township_b):
    with pytest.raises(PermissionDenied) as exc:
        worker_register(acting_user=clerk_a, id_number=make_id_number(), name="张三", township=township_b)
    assert str(exc.value) == str(NOT_IN_SCOPE)
    assert not Worker.objects.exists()


@pytest.mark.parametrize("role_user", ["industry_user", "reviewer_user"])
def test_read_only_roles_cannot_register(request, role_user, township_a):
    user = request.getfixturevalue(role_user)
    with pytest.raises(PermissionDenied) as exc:
        worker_register(acting_user=user, id_number=make_id_number(), name="张三", township=township_a)
    assert str(exc.value) == str(READ_ONLY_ROLE)
    assert not Worker.objects.exists()


def test_id_registered_in_another_township_names_the_township_not_the_person(
    clerk_a, clerk_b, township_a, township_b
):
    id_number = make_id_number()
    worker_register(acting_user=clerk_b, id_number=id_number, name="王秀英", township=township_b)
    with pytest.raises(ValidationError) as exc:
        worker_register(acting_user=clerk_a, id_number=id_number.lower(), name="王秀英", township=township_a)
    expected = str(ID_NUMBER_OTHER_TOWNSHIP.format(township="分水镇"))
    assert exc.value.message_dict == {"id_number": [expected]}
    assert all("王秀英" not in text and "秀英" not in text for text in exc.value.messages)
    assert Worker.objects.count() == 1


def test_id_registered_in_the_same_township(clerk_a, township_a):
    id_number = make_id_number()
    worker_register(acting_user=clerk_a, id_number=id_number, name="王秀英", township=township_a)
    with pytest.raises(ValidationError) as exc:
        worker_register(acting_user=clerk_a, id_number=id_number, name="王秀英", township=township_a)
    assert exc.value.message_dict == {"id_number": [str(ID_NUMBER_ALREADY_REGISTERED.format(name="王秀英"))]}
    assert Worker.objects.count() == 1


def _error_codes(error: ValidationError) -> set:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {error.code}


def test_id_taken_error_carries_its_code(clerk_a, township_a):
    id_number = make_id_number()
    worker_register(acting_user=clerk_a, id_number=id_number, name="王秀英", township=township_a)
    with pytest.raises(ValidationError) as exc:
        worker_register(acting_user=clerk_a, id_number=id_number, name="王秀英", township=township_a)
    assert _error_codes(exc.value) == {"id_taken"}


def test_changing_id_to_one_of_another_township_does_not_reveal_the_name(
    clerk_a, clerk_b, township_a, township_b
):
    taken = make_id_number()
    worker_register(acting_user=clerk_b, id_number=taken, name="王秀英", township=township_b)
    mine = worker_register(acting_user=clerk_a, id_number=make_id_number(), name="张三", township=township_a)
    with pytest.raises(ValidationError) as exc:
        worker_update(acting_user=clerk_a, worker=mine, id_number=taken)
    assert exc.value.message_dict == {"id_number": [str(ID_NUMBER_OTHER_TOWNSHIP.format(township="分水镇"))]}
    assert all("秀英" not in text for text in exc.value.messages)
    # Within the clerk's own township the name may be shown.
    own = worker_register(acting_user=clerk_a, id_number=make_id_number(), name="李娜", township=township_a)
    with pytest.raises(ValidationError) as exc:
        worker_update(acting_user=clerk_a, worker=mine, id_number=own.id_number)
    assert exc.value.message_dict == {"id_number": [str(ID_NUMBER_ALREADY_REGISTERED.format(name="李娜"))]}
    mine.refresh_from_db()
    assert mine.version == 1


# --- worker_update ----------------------------------------------------------------------------------------


def test_worker_update_bumps_version_and_rejects_a_stale_one(clerk_a, township_a):
    worker = worker_register(
        acting_user=clerk_a, id_number=make_id_number(), name="张三", township=township_a
    )
    updated = worker_update(acting_user=clerk_a, worker=worker, expected_version=1, village="长岭村")
    assert (updated.version, updated.village) == (2, "长岭村")
    with pytest.raises(ValidationError) as exc:
        worker_update(acting_user=clerk_a, worker=worker, expected_version=1, village="新田村")
    assert exc.value.messages == [str(STALE_VERSION)]
    assert exc.value.code == "stale"
    worker.refresh_from_db()
    assert (worker.version, worker.village) == (2, "长岭村")


def test_worker_update_without_change_keeps_the_version(clerk_a, township_a):
    worker = worker_register(
        acting_user=clerk_a, id_number=make_id_number(), name="张三", township=township_a, village="长岭村"
    )
    same = worker_update(
        acting_user=clerk_a,
        worker=worker,
        expected_version=1,
        name=" 张三 ",
        village="长岭村",
        township=township_a,
        categories=[],
    )
    assert same.version == 1
    worker.refresh_from_db()
    assert worker.version == 1


def test_worker_update_new_id_derives_sex_and_birth_date(bureau_user, township_a):
    worker = WorkerFactory(township=township_a, id_number=make_id_number(date(1980, 1, 1), female=False))
    new_id = make_id_number(date(1991, 2, 3), female=True)
    updated = worker_update(acting_user=bureau_user, worker=worker, id_number=new_id)
    assert (updated.id_number, updated.sex, updated.birth_date, updated.version) == (
        new_id,
        "女",
        date(1991, 2, 3),
        2,
    )


def test_the_township_is_not_changed_by_an_update_but_by_a_dated_move(
    clerk_a, bureau_user, township_a, township_b
):
    worker = worker_register(
        acting_user=clerk_a, id_number=make_id_number(), name="张三", township=township_a
    )
    with pytest.raises(ValidationError) as exc:
        worker_update(acting_user=clerk_a, worker=worker, township=township_b)
    assert exc.value.message_dict == {"township": [str(TOWNSHIP_CHANGE_BUREAU_ONLY)]}
    # Bureau staff too: an undated change would move every past count (issue 19); workers.services.worker_move
    with pytest.raises(ValidationError) as exc:
        worker_update(acting_user=bureau_user, worker=worker, expected_version=1, township=township_b)
    assert exc.value.message_dict == {"township": [str(TOWNSHIP_CHANGE_BY_MOVE)]}
    worker.refresh_from_db()
    assert (worker.township, worker.version) == (township_a, 1)


def test_clerk_cannot_update_a_worker_of_another_township(clerk_b, person):
    with pytest.raises(PermissionDenied) as exc:
        worker_update(acting_user=clerk_b, worker=person, village="长岭村")
    assert str(exc.value) == str(NOT_IN_SCOPE)


# --- employment_record ------------------------------------------------------------------------------------


def test_employment_record_happy_path(clerk_a, person, township_b):
    data = job_data(
        workplace_township=township_b,
        end_date=date(2025, 9, 30),
        returnee=True,
        channel=" 零工市场 ",
        monthly_income=Decimal("3500.00"),
        form=EmploymentForm.FLEXIBLE,
    )
    employment = employment_record(acting_user=clerk_a, worker=person, data=data, source=Source.IMPORT)
    employment.refresh_from_db()
    assert employment.worker == person
    assert employment.employer.name == "万州ABC科技有限公司"
    assert employment.employer_key == "万州abc科技有限公司"
    assert (employment.workplace, employment.workplace_township) == (Workplace.IN_DISTRICT, township_b)
    assert (employment.start_date, employment.end_date) == (date(2025, 3, 15), date(2025, 9, 30))
    assert (employment.returnee, employment.channel, employment.monthly_income) == (
        True,
        "零工市场",
        Decimal("3500"),
    )
    assert (employment.source, employment.created_by) == (Source.IMPORT, clerk_a)
    assert employment.industry.code == "02"


def test_out_of_district_job_drops_a_workplace_township(clerk_a, person, township_a):
    data = job_data(workplace=Workplace.OUT_OF_CITY, workplace_township=township_a)
    employment = employment_record(acting_user=clerk_a, worker=person, data=data)
    assert employment.workplace_township is None


def test_clerk_cannot_record_a_job_for_another_township(clerk_b, person, township_a):
    with pytest.raises(PermissionDenied) as exc:
        employment_record(acting_user=clerk_b, worker=person, data=job_data(workplace_township=township_a))
    assert str(exc.value) == str(NOT_IN_SCOPE)
    assert not Employment.objects.exists()


@pytest.mark.parametrize(
    "second_name",
    [
        "万州 ABC 科技有限公司",
        "万州ＡＢＣ科技有限公司",
        "万州abc科技有限公司",
        "\u3000万州Abc科技\t有限公司 ",
    ],
)
def test_natural_key_refuses_the_same_job_twice(clerk_a, person, township_a, second_name):
    employment_record(acting_user=clerk_a, worker=person, data=job_data(workplace_township=township_a))
    with pytest.raises(ValidationError) as exc:
        employment_record(
            acting_user=clerk_a,
            worker=person,
            data=job_data(
                employer_name=second_name,
                workplace_township=township_a,
                industry=Industry.objects.get(code="04"),
            ),
        )
    assert exc.value.messages == [
        str(EMPLOYMENT_DUPLICATE.format(start="2025-03-15", employer="万州ABC科技有限公司"))
    ]
    assert exc.value.code == "duplicate"
    assert Employment.objects.count() == 1
    assert Employer.objects.count() == 1


def test_same_employer_other_start_date_is_a_new_job(clerk_a, person, township_a):
    employment_record(acting_user=clerk_a, worker=person, data=job_data(workplace_township=township_a))
    employment_record(
        acting_user=clerk_a,
        worker=person,
        data=job_data(workplace_township=township_a, start_date=date(2025, 3, 16)),
    )
    assert Employment.objects.count() == 2


@pytest.mark.parametrize(
    "overrides, expected",
    [
        pytest.param(
            {"start_date": "tomorrow"},
            {"start_date": [START_IN_FUTURE]},
            id="start in future",
        ),
        pytest.param({"start_date": date(1999, 12, 31)}, {"start_date": [START_TOO_EARLY]}, id="before 2000"),
        pytest.param(
            {"start_date": date(2025, 5, 1), "end_date": date(2025, 4, 30)},
            {"end_date": [END_BEFORE_START]},
            id="end before start",
        ),
        pytest.param(
            {"monthly_income": Decimal("-0.01")}, {"monthly_income": [INCOME_NEGATIVE]}, id="income"
        ),
        pytest.param(
            {"workplace_township": None}, {"workplace_township": [WORKPLACE_TOWNSHIP_REQUIRED]}, id="township"
        ),
        pytest.param(
            {"start_date": date(1999, 6, 1), "monthly_income": Decimal("-5"), "workplace_township": None},
            {
                "start_date": [START_TOO_EARLY],
                "monthly_income": [INCOME_NEGATIVE],
                "workplace_township": [WORKPLACE_TOWNSHIP_REQUIRED],
            },
            id="all at once",
        ),
    ],
)
def test_employment_record_refusals(clerk_a, person, township_a, overrides, expected):
    overrides = {"workplace_township": township_a, **overrides}
    if overrides.get("start_date") == "tomorrow":
        # Resolved when the test runs, not when it is collected: a run that crosses midnight
        # (16:00 UTC is midnight in Asia/Shanghai) would otherwise test "today".
        overrides["start_date"] = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        employment_record(acting_user=clerk_a, worker=person, data=job_data(**overrides))
    assert exc.value.message_dict == {field: [str(m) for m in msgs] for field, msgs in expected.items()}
    assert not Employment.objects.exists()
    assert not Employer.objects.exists()


def test_age_rule_sixteenth_birthday(clerk_a, township_a):
    young = WorkerFactory(township=township_a, id_number=make_id_number(date(2010, 6, 1)))
    with pytest.raises(ValidationError) as exc:
        employment_record(
            acting_user=clerk_a,
            worker=young,
            data=job_data(start_date=date(2026, 5, 31), workplace_township=township_a),
        )
    assert exc.value.message_dict == {"start_date": [str(UNDER_AGE.format(start="2026-05-31"))]}
    assert not Employment.objects.exists()
    employment = employment_record(
        acting_user=clerk_a,
        worker=young,
        data=job_data(start_date=date(2026, 6, 1), workplace_township=township_a),
    )
    assert employment.start_date == date(2026, 6, 1)


# --- employers --------------------------------------------------------------------------------------------


def test_employer_resolved_by_normalised_name(clerk_a, township_a):
    first, second = WorkerFactory(township=township_a), WorkerFactory(township=township_a)
    a = employment_record(
        acting_user=clerk_a,
        worker=first,
        data=job_data(employer_name=" 万州ＡＢＣ 科技有限公司", workplace_township=township_a),
    )
    b = employment_record(
        acting_user=clerk_a,
        worker=second,
        data=job_data(employer_name="万州abc科技有限公司", workplace_township=township_a),
    )
    assert a.employer_id == b.employer_id
    assert Employer.objects.get().name == "万州ABC 科技有限公司"


def test_employer_resolved_by_credit_code(clerk_a, township_a):
    first, second, third = (WorkerFactory(township=township_a) for _ in range(3))
    # Known by name first; the code given later is filled in.
    a = employment_record(
        acting_user=clerk_a,
        worker=first,
        data=job_data(employer_name="万州甲公司", workplace_township=township_a),
    )
    b = employment_record(
        acting_user=clerk_a,
        worker=second,
        data=job_data(employer_name="万州 甲公司", credit_code=CODE_1.lower(), workplace_township=township_a),
    )
    c = employment_record(
        acting_user=clerk_a,
        worker=third,
        data=job_data(employer_name="万州甲公司", credit_code=CODE_1, workplace_township=township_a),
    )
    assert a.employer_id == b.employer_id == c.employer_id
    assert Employer.objects.get().credit_code == CODE_1


def test_credit_code_of_another_employer_is_refused(clerk_a, person, township_a):
    EmployerFactory(name="万州乙公司", name_key="万州乙公司", credit_code=CODE_2)
    with pytest.raises(ValidationError) as exc:
        employment_record(
            acting_user=clerk_a,
            worker=person,
            data=job_data(employer_name="万州丙公司", credit_code=CODE_2, workplace_township=township_a),
        )
    assert exc.value.message_dict == {
        "credit_code": [str(EMPLOYER_CREDIT_CODE_CONFLICT.format(code=CODE_2, name="万州乙公司"))]
    }
    assert not Employment.objects.exists()
    assert Employer.objects.count() == 1


# --- locked quarters --------------------------------------------------------------------------------------


def test_locked_quarter_refuses_every_write_until_unlocked(bureau_user, clerk_a, person, township_a):
    q1 = employment_record(acting_user=clerk_a, worker=person, data=job_data(workplace_township=township_a))
    q2 = employment_record(
        acting_user=clerk_a,
        worker=person,
        data=job_data(start_date=date(2025, 4, 1), employer_name="万州乙公司", workplace_township=township_a),
    )
    quarter_lock(acting_user=bureau_user, year=2025, quarter=1, reason="一季度数据审定")
    locked_message = [str(QUARTER_LOCKED.format(year=2025, quarter=1))]

    refused = [
        lambda: employment_record(
            acting_user=clerk_a,
            worker=person,
            data=job_data(
                start_date=date(2025, 2, 1), employer_name="万州丁公司", workplace_township=township_a
            ),
        ),
        lambda: employment_update(
            acting_user=clerk_a,
            employment=q1,
            data=job_data(workplace_township=township_a, channel="招聘活动"),
        ),
        # Moving a job of an open quarter into the locked one is refused too.
        lambda: employment_update(
            acting_user=clerk_a,
            employment=q2,
            data=job_data(
                start_date=date(2025, 3, 31), employer_name="万州乙公司", workplace_township=township_a
            ),
        ),
        lambda: employment_end(acting_user=clerk_a, employment=q1, end_date=date(2025, 6, 30)),
        lambda: employment_delete(acting_user=clerk_a, employment=q1),
        # Bureau staff are held to the lock as well.
        lambda: employment_delete(acting_user=bureau_user, employment=q1),
    ]
    for write in refused:
        with pytest.raises(ValidationError) as exc:
            write()
        assert exc.value.messages == locked_message
        assert exc.value.code == "quarter_locked"
    q1.refresh_from_db()
    assert (q1.end_date, q1.channel) == (None, "")
    assert Employment.objects.count() == 2

    # The open quarter stays writable.
    assert employment_end(acting_user=clerk_a, employment=q2, end_date=date(2025, 6, 30)).end_date == date(
        2025, 6, 30
    )

    for reason in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            quarter_unlock(acting_user=bureau_user, year=2025, quarter=1, reason=reason)
        assert exc.value.messages == [str(UNLOCK_NEEDS_REASON)]
    assert QuarterLock.objects.filter(year=2025, quarter=1).exists()

    quarter_unlock(acting_user=bureau_user, year=2025, quarter=1, reason=" 更正一条录入错误 ")
    assert not QuarterLock.objects.exists()
    assert employment_end(acting_user=clerk_a, employment=q1, end_date=date(2025, 6, 30)).end_date == date(
        2025, 6, 30
    )
    employment_delete(acting_user=clerk_a, employment=q1)
    assert list(Employment.objects.all()) == [q2]

    events = list(
        QuarterLockEvent.objects.order_by("id").values_list("year", "quarter", "action", "reason", "user")
    )
    assert events == [
        (2025, 1, QuarterLockEvent.Action.LOCK, "一季度数据审定", bureau_user.pk),
        (2025, 1, QuarterLockEvent.Action.UNLOCK, "更正一条录入错误", bureau_user.pk),
    ]


def test_lock_without_reason_logs_a_dash(bureau_user):
    lock = quarter_lock(acting_user=bureau_user, year=2025, quarter=2)
    assert (lock.locked_by, lock.reason) == (bureau_user, "")
    assert QuarterLockEvent.objects.get().reason == "-"


def test_only_bureau_locks_and_unlocks(clerk_a, bureau_user, industry_user):
    for user in (clerk_a, industry_user):
        with pytest.raises(PermissionDenied) as exc:
            quarter_lock(acting_user=user, year=2025, quarter=1)
        assert str(exc.value) == str(ONLY_BUREAU)
    assert not QuarterLock.objects.exists()
    quarter_lock(acting_user=bureau_user, year=2025, quarter=1)
    with pytest.raises(PermissionDenied) as exc:
        quarter_unlock(acting_user=clerk_a, year=2025, quarter=1, reason="想改数据")
    assert str(exc.value) == str(ONLY_BUREAU)
    assert QuarterLock.objects.count() == 1
    assert QuarterLockEvent.objects.count() == 1


def test_unfinished_quarter_cannot_be_locked(bureau_user):
    today = timezone.localdate()  # 2026-11-23 when written: the quarter is 2026 Q4
    year, quarter = today.year, (today.month - 1) // 3 + 1
    with pytest.raises(ValidationError) as exc:
        quarter_lock(acting_user=bureau_user, year=year, quarter=quarter)
    assert exc.value.messages == [str(QUARTER_NOT_CLOSED.format(year=year, quarter=quarter))]
    with pytest.raises(ValidationError) as exc:
        quarter_lock(acting_user=bureau_user, year=2027, quarter=1)
    assert exc.value.messages == [str(QUARTER_NOT_CLOSED.format(year=2027, quarter=1))]
    assert not QuarterLock.objects.exists()
    assert not QuarterLockEvent.objects.exists()


def test_lock_twice_and_unlock_an_open_quarter(bureau_user):
    quarter_lock(acting_user=bureau_user, year=2025, quarter=3)
    with pytest.raises(ValidationError) as exc:
        quarter_lock(acting_user=bureau_user, year=2025, quarter=3)
    assert exc.value.messages == [str(QUARTER_ALREADY_LOCKED.format(year=2025, quarter=3))]
    with pytest.raises(ValidationError) as exc:
        quarter_unlock(acting_user=bureau_user, year=2025, quarter=4, reason="误操作")
    assert exc.value.messages == [str(QUARTER_NOT_LOCKED.format(year=2025, quarter=4))]
    assert QuarterLockEvent.objects.count() == 1


# --- database constraints against raw writes ---------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["12345", "50010119850412123x", "5001011985041212A3", "50010119850412123"])
def test_worker_id_number_form_is_a_database_check(township_a, bad_id):
    with pytest.raises(IntegrityError), transaction.atomic():
        Worker.objects.create(
            id_number=bad_id, name="张三", sex="男", birth_date=date(1985, 4, 12), township=township_a
        )
    assert not Worker.objects.exists()


def test_a_valid_raw_worker_passes_the_check(township_a):
    Worker.objects.create(
        id_number=make_id_number(date(1985, 4, 12)),
        name="张三",
        sex="男",
        birth_date=date(1985, 4, 12),
        township=township_a,
    )
    assert Worker.objects.count() == 1


def test_natural_key_is_a_database_constraint(person):
    employer = EmployerFactory()
    EmploymentFactory(worker=person, employer=employer, start_date=date(2025, 3, 15))
    with pytest.raises(IntegrityError), transaction.atomic():
        EmploymentFactory(
            worker=person,
            employer=employer,
            start_date=date(2025, 3, 15),
            industry=Industry.objects.get(code="04"),
        )
    assert Employment.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"monthly_income": Decimal("-1")}, id="negative income"),
        pytest.param({"start_date": date(2025, 5, 1), "end_date": date(2025, 4, 30)}, id="end before start"),
        pytest.param(
            {"workplace": Workplace.IN_DISTRICT, "workplace_township": None}, id="in district, no township"
        ),
        pytest.param(
            {"workplace": Workplace.IN_CITY, "workplace_township": "甘宁镇"},
            id="out of district with township",
        ),
    ],
)
def test_employment_checks_are_database_constraints(person, fields):
    if isinstance(fields.get("workplace_township"), str):
        fields = {**fields, "workplace_township": Township.objects.get(name=fields["workplace_township"])}
    with pytest.raises(IntegrityError), transaction.atomic():
        EmploymentFactory(worker=person, **fields)
    assert not Employment.objects.exists()
