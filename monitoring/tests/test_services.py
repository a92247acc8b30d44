"""Taking in the monitoring list (issue 26, item 1): all or nothing, confirmed, then applied in bulk; the second
snapshot exits exactly the people gone and enrols exactly the people new."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assistance.models import Enrolment, ExitReason
from assistance.services import CATEGORY_INVALID
from monitoring import services
from monitoring.models import MonitoringEntry, MonitoringList
from monitoring.tests.builders import list_rows, person_id, workbook
from targets.models import Township
from workers.models import Household, RegistrationPeriod, Worker
from workers.tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db

FIRST, SECOND = date(2026, 6, 30), date(2026, 9, 30)


@pytest.fixture
def annex_townships(reference_data):
    """The 49 townships of annex 1 (those with a 2025 target)."""
    names = list(Township.objects.filter(in_plan=True).order_by("code").values_list("name", flat=True))
    assert len(names) == 49
    return names


def _upload(user, rows, day, **kwargs):
    return services.monitoring_list_upload(
        acting_user=user, file_obj=workbook(rows, **kwargs), file_name="监测名单.xlsx", list_date=day
    )


def _apply(user, result):
    assert result.ok, result.errors[:5]
    return services.monitoring_list_apply(acting_user=user, snapshot=result.snapshot)


def test_two_snapshots_of_5000_people_exit_and_enrol_exactly_the_difference(bureau_user, annex_townships):
    first = _upload(bureau_user, list_rows(range(5000), annex_townships), FIRST)
    assert first.ok and first.rows_total == 5000
    assert first.snapshot.status == MonitoringList.Status.PENDING
    assert not Worker.objects.exists() and not Enrolment.objects.exists()  # nothing before confirmation

    snapshot = _apply(bureau_user, first)
    assert (snapshot.registered, snapshot.enrolled, snapshot.exited, snapshot.households_new) == (
        5000,
        5000,
        0,
        1000,
    )
    assert Worker.objects.count() == 5000 and RegistrationPeriod.objects.count() == 5000
    assert set(Worker.objects.values_list("township__name", flat=True)) == set(annex_townships)
    assert Household.objects.count() == 1000
    assert Enrolment.objects.filter(entry_date=FIRST, exit_date__isnull=True).count() == 5000
    assert not MonitoringEntry.objects.filter(snapshot=snapshot, worker__isnull=True).exists()
    # The list's household, capacity and category reach the ledger.
    w = Worker.objects.get(id_number=person_id(6))
    assert (w.household.number, w.labour_capacity, w.is_monitored) == ("H0000001", "weak", False)
    assert w.is_continued_support and w.enrolments.get().category == "继续帮扶对象"

    removed, added = range(4900, 5000), range(5000, 5100)
    second = _upload(bureau_user, list_rows([*range(4900), *added], annex_townships), SECOND)
    plan = services.monitoring_list_plan(snapshot=second.snapshot)
    assert {e.worker.id_number for e in plan.exits} == {person_id(n) for n in removed}
    assert {e["id_number"] for e in plan.enrol} == {person_id(n) for n in added}
    snapshot = _apply(bureau_user, second)
    assert (snapshot.enrolled, snapshot.exited, snapshot.registered) == (100, 100, 100)

    exited = Enrolment.objects.filter(exit_date__isnull=False)
    assert set(exited.values_list("worker__id_number", flat=True)) == {person_id(n) for n in removed}
    assert set(exited.values_list("exit_date", "exit_reason", "exit_note")) == {
        (SECOND, ExitReason.MONITORING_REMOVED, "监测名单移出")
    }
    entered = Enrolment.objects.filter(entry_date=SECOND)
    assert set(entered.values_list("worker__id_number", flat=True)) == {person_id(n) for n in added}
    assert Enrolment.objects.filter(entry_date=FIRST, exit_date__isnull=True).count() == 4900
    assert Enrolment.objects.count() == 5100


def test_a_file_with_any_error_stores_nothing_and_names_every_row(bureau_user, annex_townships):
    WorkerFactory(id_number=person_id(1), name="李四", township=Township.objects.get(name=annex_townships[0]))
    rows = list_rows(range(6), annex_townships)
    rows[0][3] = "500101196001011234"  # wrong check digit
    rows[2][5] = "低保"
    rows[3][7] = "火星镇"
    rows[4][3] = rows[5][3]
    result = _upload(bureau_user, rows, FIRST)
    found = {(e.row, e.column) for e in result.errors}
    assert {
        (2, "公民身份号码"),
        (3, "姓名"),
        (4, "人员类别"),
        (5, "户籍所在镇乡街道"),
        (7, "公民身份号码"),
    } <= found
    assert str(CATEGORY_INVALID) in [e.message for e in result.errors]
    assert not MonitoringList.objects.exists() and not MonitoringEntry.objects.exists()
    assert Worker.objects.count() == 1 and not Enrolment.objects.exists()


def test_header_variants_and_a_title_row_are_read(bureau_user, annex_townships):
    headers = [
        "户码",
        "户主",
        "姓名",
        "身份证号",
        "与户主关系",
        "监测对象类别",
        "劳动技能",
        "所属镇街",
        "村（社区）",
        "务工状态",
    ]
    result = _upload(
        bureau_user, list_rows(range(3), annex_townships), FIRST, headers=headers, title="万州区监测对象名单"
    )
    assert result.ok, result.errors
    assert MonitoringEntry.objects.filter(snapshot=result.snapshot).count() == 3


def test_only_bureau_staff_take_in_the_list_and_dates_go_forward(clerk_a, bureau_user, annex_townships):
    rows = list_rows(range(3), annex_townships)
    with pytest.raises(PermissionDenied):
        _upload(clerk_a, rows, FIRST)
    _apply(bureau_user, _upload(bureau_user, rows, SECOND))
    with pytest.raises(ValidationError) as exc:
        _upload(bureau_user, rows, FIRST)
    assert exc.value.message_dict["list_date"] == [str(services.LIST_DATE_NOT_AFTER.format(date=SECOND))]


def test_a_pending_list_is_applied_once(bureau_user, annex_townships):
    result = _upload(bureau_user, list_rows(range(3), annex_townships), FIRST)
    _apply(bureau_user, result)
    with pytest.raises(ValidationError):
        services.monitoring_list_apply(acting_user=bureau_user, snapshot=result.snapshot)
    assert Enrolment.objects.count() == 3
