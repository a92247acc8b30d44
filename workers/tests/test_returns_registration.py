"""Returns and registration history (issue 19; DESIGN.md §4.1, §4.2, §5).

1. A return that carries a person the ledger holds in another township names that township, since when the
   person is registered there (the date of their last move, or for a person never moved the day their record
   was created — never the placeholder 1900-01-01), and that bureau staff can record the move; the same
   message in the command's output and in the error report.
2. The bureau's district-wide load of the stock of people in work: one file, rows of several townships, the
   same pipeline (checks, batch, roll-back); each row counts in its own township and a pre-plan job is never
   new employment but counts for 务工规模. A clerk's scoping is unchanged, and a bureau batch that names a
   township holds that township's people only.
"""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from targets.models import Township
from targets.progress import progress_recompute
from workers.models import REGISTERED_SINCE_UNKNOWN, Employment, ImportBatch, Worker
from workers.resources import (
    H_CATEGORIES,
    H_CREDIT,
    H_EMPLOYER,
    H_ID,
    H_NAME,
    H_RETURNEE,
    H_START,
    H_TOWNSHIP,
    H_WORKPLACE,
    error_report,
)
from workers.returns import (
    MOVE_HOW,
    NOT_THE_BATCH_TOWNSHIP,
    NOT_YOUR_TOWNSHIP,
    PRE_PLAN_JOBS,
    REGISTERED_ELSEWHERE,
    SINCE_MOVE,
    SINCE_RECORD,
    TOWNSHIP_MISMATCH,
    return_rollback,
    return_upload,
    return_validate,
)
from workers.selectors import (
    cumulative,
    nearby_employment_matrix,
    poverty_alleviated_in_work,
    returnee_counts,
)
from workers.services import START_TOO_EARLY, worker_move
from workers.tests.factories import EmploymentFactory, WorkerFactory

from .test_returns import (  # noqa: F401 (storage: the autouse fixture keeping uploads in tmp_path)
    assert_refused,
    cli,
    id_for,
    ledger_counts,
    name_for,
    person,
    run,
    storage,
    write_return,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def township_c(reference_data):
    return Township.objects.get(name="龙沙镇")


def _record_day(worker: Worker) -> str:
    return timezone.localtime(worker.created_at).date().isoformat()


def _elsewhere(since: str, township: str, into: str) -> str:
    return str(REGISTERED_ELSEWHERE.format(since=since, township=township, how=MOVE_HOW.format(own=into)))


# --- 1. a known person registered elsewhere -----------------------------------------------------------------


def test_a_person_who_moved_is_named_with_the_township_and_the_move_date(
    clerk_a, bureau_user, township_a, township_b, tmp_path
):
    """甘宁镇's return carries a person who moved from 甘宁镇 to 分水镇 on 2025-07-01: the refusal says 分水镇
    since 2025-07-01 (the move, not the placeholder start of the first period) and points to the move."""
    worker = WorkerFactory(id_number=id_for(9), name=name_for(9), township=township_a)
    EmploymentFactory(worker=worker, start_date=date(2025, 2, 1))
    worker_move(acting_user=bureau_user, worker=worker, township=township_b, on=date(2025, 7, 1))
    path = write_return(tmp_path / "moved.xlsx", [person(1), person(9, **{H_START: "2025-09-01"})])

    message = _elsewhere(str(SINCE_MOVE.format(date="2025-07-01")), "分水镇", "甘宁镇")
    assert message == (
        "该公民身份号码的户籍自 2025-07-01 起登记在分水镇，由分水镇经办员维护，本镇乡街道不能导入。"
        "如此人户籍已迁入甘宁镇，请区人力社保局在台账中此人的“农民工”页面“户籍登记”栏点“办理户籍迁移”"
        "（或用命令 manage.py move_worker）登记迁入日期，然后重新导入本文件。"
    )
    plan = assert_refused(clerk_a, path, message, row=3, column=H_ID)  # the service and the command
    assert all("1900" not in issue.message for issue in plan.errors)
    assert not Worker.objects.filter(id_number=id_for(1)).exists()


def test_a_person_never_moved_is_named_with_the_day_the_record_was_made(clerk_a, township_b, tmp_path):
    """Never moved: the open period starts at the placeholder 1900-01-01, so the message gives the day the
    ledger's record was created (建档) instead; a different name in the file is not disclosed either way."""
    worker = WorkerFactory(id_number=id_for(9), name="赵六", township=township_b)
    assert worker.registrations.get().from_date == REGISTERED_SINCE_UNKNOWN
    path = write_return(tmp_path / "theirs.xlsx", [person(9, **{H_NAME: "钱七"})])

    since = str(SINCE_RECORD.format(date=_record_day(worker)))
    assert since == f"自建档（{_record_day(worker)}）起"
    plan = assert_refused(clerk_a, path, _elsewhere(since, "分水镇", "甘宁镇"), row=2, column=H_ID)
    assert all("赵六" not in issue.message and "1900" not in issue.message for issue in plan.errors)


def test_the_error_report_carries_the_same_message(login, clerk_a, bureau_user, township_a, township_b):
    """Through the upload page: the preview refuses the file and its error report (the offending rows with
    a message column) says the same as the page."""
    worker = WorkerFactory(id_number=id_for(9), name=name_for(9), township=township_a)
    worker_move(acting_user=bureau_user, worker=worker, township=township_b, on=date(2025, 7, 1))
    workbook = openpyxl.Workbook()
    rows = [person(9)]
    buffer = BytesIO()
    sheet = workbook.active
    headers = list(rows[0])
    sheet.append(headers)
    for row in rows:
        sheet.append([row[h] for h in headers])
    workbook.save(buffer)
    client = login(clerk_a)
    response = client.post(
        reverse("workers:return_upload"),
        {"file": SimpleUploadedFile("q3.xlsx", buffer.getvalue()), "year": "2025", "quarter": "3"},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == ImportBatch.Status.REJECTED
    message = _elsewhere(str(SINCE_MOVE.format(date="2025-07-01")), "分水镇", "甘宁镇")
    assert [e["message"] for e in batch.errors] == [message]
    assert message in client.get(reverse("workers:return_detail", args=[batch.pk])).content.decode()
    report = client.get(reverse("workers:return_errors", args=[batch.pk]))
    ws = openpyxl.load_workbook(BytesIO(report.content)).active
    assert ws.cell(row=2, column=ws.max_column).value == message
    assert openpyxl.load_workbook(BytesIO(error_report(batch))).active.cell(2, ws.max_column).value == message


def test_bureau_meets_a_township_mismatch_with_the_date_and_the_move(
    bureau_user, township_a, township_b, tmp_path
):
    moved = WorkerFactory(id_number=id_for(8), name=name_for(8), township=township_a)
    worker_move(acting_user=bureau_user, worker=moved, township=township_b, on=date(2025, 7, 1))
    path = write_return(tmp_path / "moved.xlsx", [person(8)])

    message = TOWNSHIP_MISMATCH.format(
        since=SINCE_MOVE.format(date="2025-07-01"), township="分水镇", how=MOVE_HOW.format(own="甘宁镇")
    )
    assert str(message).startswith(
        "台账中此人户籍自 2025-07-01 起登记在分水镇，与填写的不一致。如此人户籍已迁入甘宁镇"
    )
    assert_refused(bureau_user, path, message, row=2, column=H_TOWNSHIP)


# --- 2. the district-wide stock load ----------------------------------------------------------------------------


def _stock_rows() -> list[dict]:
    """Three townships, three pre-plan jobs (rows 2, 4, 6), four jobs of the plan."""
    return [
        person(1, **{H_START: "2019-05-01", H_CATEGORIES: "脱贫人口"}),  # 2: pre-plan, 甘宁镇
        person(
            1,
            **{
                H_START: "2025-04-01",
                H_EMPLOYER: "万州区甘宁镇某某餐馆",
                H_CREDIT: None,
                H_CATEGORIES: "脱贫人口",
            },
        ),
        person(
            3, **{H_TOWNSHIP: "分水镇", H_START: "2010-01-01", H_WORKPLACE: "市外", H_CATEGORIES: "脱贫人口"}
        ),
        person(2, **{H_START: "2025-02-01"}),
        person(5, **{H_TOWNSHIP: "龙沙镇", H_START: "2024-12-31", H_CATEGORIES: "脱贫人口"}),  # 6: pre-plan
        person(4, **{H_TOWNSHIP: "分水镇", H_START: "2025-06-01", H_RETURNEE: "是"}),
        person(6, **{H_TOWNSHIP: "龙沙镇", H_START: "2026-01-15"}),
    ]


def _by_township(year: int) -> dict[str, int]:
    names = dict(Township.objects.values_list("id", "name"))
    return {names[t]: n for t, n in nearby_employment_matrix(year=year).by_township().items() if n}


def test_bureau_loads_the_district_stock_through_the_same_pipeline(
    bureau_user, clerk_a, township_a, township_b, township_c, tmp_path
):
    path = write_return(tmp_path / "全区存量.xlsx", _stock_rows())

    code, out, err = cli(path, bureau_user)  # manage.py import_return FILE --user bureau (no --township)

    assert code == 0, err
    warning = PRE_PLAN_JOBS.format(count=3, rows="2、4、6")
    assert f"提示：{warning}" in out
    assert "共 7 行：新增 7，未变化 0，更新 0，有错误 0。" in out
    batch = ImportBatch.objects.get()
    assert batch.township is None and batch.status == ImportBatch.Status.IMPORTED
    assert batch.warnings == [str(warning)]
    # Each row in its own township, the person and the job alike.
    assert dict(Worker.objects.values_list("id_number", "township__name")) == {
        id_for(1): "甘宁镇",
        id_for(2): "甘宁镇",
        id_for(3): "分水镇",
        id_for(4): "分水镇",
        id_for(5): "龙沙镇",
        id_for(6): "龙沙镇",
    }
    assert sorted(Employment.objects.values_list("start_date", "registration_township__name")) == [
        (date(2010, 1, 1), "分水镇"),
        (date(2019, 5, 1), "甘宁镇"),
        (date(2024, 12, 31), "龙沙镇"),
        (date(2025, 2, 1), "甘宁镇"),
        (date(2025, 4, 1), "甘宁镇"),
        (date(2025, 6, 1), "分水镇"),
        (date(2026, 1, 15), "龙沙镇"),
    ]

    # Hand count. New employment (rule 4.3): pre-plan jobs never; person 1 once in 2025 (04-01).
    assert _by_township(2025) == {"甘宁镇": 2, "分水镇": 1}
    assert _by_township(2026) == {"龙沙镇": 1}
    assert _by_township(2027) == {}
    assert cumulative(as_of=date(2027, 12, 31)).count == 4
    names = dict(Township.objects.values_list("id", "name"))
    assert {names[t]: n for t, n in returnee_counts(year=2025).items() if n} == {"分水镇": 1}
    # 务工规模 (rule 4.6): the three 脱贫人口 with pre-plan jobs, any workplace, in their townships.
    assert poverty_alleviated_in_work(on=date(2025, 3, 1)) == 3
    for township in (township_a, township_b, township_c):
        assert poverty_alleviated_in_work(on=date(2025, 3, 1), township_ids=[township.pk]) == 1
    assert poverty_alleviated_in_work(on=date(2024, 6, 30)) == 2  # 龙沙镇's job starts on 2024-12-31
    # The stored progress (targets) reads the same.
    data = progress_recompute(year=2025).data
    assert data["district"]["count"] == 3 and data["district"]["returnee_count"] == 1
    counts = {row["name"]: row["count"] for row in data["townships"] if row["count"]}
    assert counts == {"甘宁镇": 2, "分水镇": 1}

    # A stock load is rolled back as a whole, like any return.
    return_rollback(batch=batch, acting_user=bureau_user, reason="存量文件有误，重新导入")
    assert ledger_counts()[:2] == (0, 0)


def test_a_refused_stock_file_writes_nothing(bureau_user, township_b, tmp_path):
    rows = _stock_rows() + [person(7, **{H_TOWNSHIP: "龙沙镇", H_START: "1999-12-31"})]
    path = write_return(tmp_path / "全区存量.xlsx", rows)

    plan = assert_refused(bureau_user, path, START_TOO_EARLY, row=9, column=H_START)
    assert len(plan.errors) == 1


def test_the_upload_page_offers_the_district_to_bureau_staff(login, bureau_user, tmp_path):
    client = login(bureau_user)
    page = client.get(reverse("workers:return_upload")).content.decode()
    assert "全区（文件含多个镇乡街道的人员，每行计入其户籍所在镇乡街道）" in page
    content = write_return(tmp_path / "全区存量.xlsx", _stock_rows()).read_bytes()
    response = client.post(
        reverse("workers:return_upload"),
        {
            "file": SimpleUploadedFile("全区存量.xlsx", content),
            "year": "2025",
            "quarter": "4",
            "township": "",
        },
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == ImportBatch.Status.VALIDATED, batch.errors
    client.post(reverse("workers:return_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED and batch.township is None
    assert Employment.objects.count() == 7


def test_a_clerks_file_with_another_townships_row_is_still_refused(clerk_a, tmp_path):
    path = write_return(tmp_path / "甘宁镇.xlsx", _stock_rows())

    plan = assert_refused(
        clerk_a, path, NOT_YOUR_TOWNSHIP.format(township="分水镇", own="甘宁镇"), row=4, column=H_TOWNSHIP
    )
    assert {issue.row for issue in plan.errors} == {4, 6, 7, 8}


def test_a_bureau_batch_for_one_township_holds_its_people_only(bureau_user, township_a, tmp_path):
    path = write_return(tmp_path / "甘宁镇.xlsx", _stock_rows())

    with open(path, "rb") as handle:
        batch = return_upload(
            acting_user=bureau_user, file_obj=handle, file_name=path.name, township=township_a
        )
    plan = return_validate(batch=batch, acting_user=bureau_user)

    message = str(NOT_THE_BATCH_TOWNSHIP.format(township="分水镇", own="甘宁镇"))
    assert (4, H_TOWNSHIP, message) in [(e.row, e.column, e.message) for e in plan.errors]
    assert {e.row for e in plan.errors} == {4, 6, 7, 8}
    code, _out, err = cli(path, bureau_user, "--township", "甘宁镇")
    assert code == 1 and f"第 4 行【{H_TOWNSHIP}】（分水镇）：{message}" in err
