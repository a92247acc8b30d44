"""The quarterly return (季度报表), tested against the Excel contract of DESIGN.md §5 and THREATS.md §F.

Every workbook is built here with openpyxl (or, for the huge and hostile ones, as raw sheet XML) into
`tmp_path`. Each refused file is checked through `return_run` *and* through the `import_return` command as
run from the command line: nothing written, the exact Chinese message with its row number and column, exit
code 1 and no traceback.
"""

import hashlib
import io
import itertools
import traceback
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connections
from django.db.models import Count
from django.utils import timezone

from targets.models import Industry
from targets.services import QUARTER_LOCKED, _PendingRecompute, quarter_lock
from wanzhou_jobs.spreadsheets import (
    FILE_CORRUPT,
    FILE_EMPTY,
    FILE_FORMAT_UNSUPPORTED,
    FILE_FORMULAS,
    FILE_TOO_MANY_COLUMNS,
    FILE_TOO_MANY_ROWS,
    HEADER_MISSING,
    MAX_COLS,
    UNKNOWN_COLUMNS_IGNORED,
)
from wanzhou_jobs.tests.test_spreadsheets import counted
from workers import resources as R
from workers import selectors
from workers.management.commands.import_return import Command as ImportReturnCommand
from workers.models import (
    Employer,
    Employment,
    EmploymentForm,
    ImportBatch,
    Source,
    Tombstone,
    Worker,
    Workplace,
)
from workers.names import NAME_CHARACTER, REASON_DIGIT
from workers.resources import (
    H_CATEGORIES,
    H_CHANNEL,
    H_CREDIT,
    H_EMPLOYER,
    H_FORM,
    H_ID,
    H_INCOME,
    H_INDUSTRY,
    H_NAME,
    H_PHONE,
    H_RETURNEE,
    H_START,
    H_TOWNSHIP,
    H_VILLAGE,
    H_WORKPLACE,
    REQUIRED,
    REQUIRED_EMPTY,
    UNKNOWN_FORM,
    UNKNOWN_INDUSTRY,
    UNKNOWN_TOWNSHIP,
    UNKNOWN_WORKPLACE,
)
from workers.returns import (
    BATCH_WRONG_STATE,
    DUPLICATE_MERGED,
    EMPTY_FILE,
    HEADER_COLUMN,
    MAX_ROWS,
    MOVE_HOW,
    NOT_YOUR_TOWNSHIP,
    ONLY_BUREAU_ROLLBACK,
    OUTSIDE_QUARTER,
    PRE_PLAN_JOBS,
    REGISTERED_ELSEWHERE,
    ROLLBACK_LOCKED,
    ROLLBACK_REASON,
    SAME_FILE,
    SAME_ID_TWO_NAMES,
    SAME_KEY_DIFFERENT,
    SINCE_RECORD,
    TOWNSHIP_MISMATCH,
    SameFile,
    return_rollback,
    return_run,
    return_summary,
)
from workers.services import (
    ID_NUMBER_OTHER_NAME,
    INCOME_NEGATIVE,
    START_IN_FUTURE,
    UNDER_AGE,
)
from workers.tests.factories import EmployerFactory, EmploymentFactory, WorkerFactory
from workers.validators import (
    CREDIT_CODE_CHECK_CHAR,
    ID_NUMBER_CHECK_DIGIT,
    ID_NUMBER_INVALID_DATE,
    ID_NUMBER_INVISIBLE,
    ID_NUMBER_NUMERIC,
    credit_code_check_char,
    id_number_check_char,
    organisation_code_check_char,
)

pytestmark = pytest.mark.django_db

HEADERS = list(R.ALL_HEADERS)  # the 15 headers of §5, in the template's order
READ_ONLY_IMPORT = "您的账号为只读账号，不能导入数据。"  # inline in return_upload; no constant to import
TITLE = "万州区农民工就近就业季度报表（2025年第1季度）"
SUBTITLE = "填报单位：甘宁镇人民政府　　填报日期：2025年4月3日"
_SURNAMES = "张王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


# --- Building returns ------------------------------------------------------------------------------------


def id_for(n: int, birth: date | None = None) -> str:
    """A valid, deterministic ID number (region 500101 = 万州区) distinct for every n < 1000."""
    birth = birth or date(1970 + n % 30, 1 + n % 12, 1 + n % 28)
    body = f"500101{birth:%Y%m%d}{n % 1000:03d}"
    return body + id_number_check_char(body)


def name_for(n: int) -> str:
    return _SURNAMES[n % 20] + _GIVEN[(n // 20) % 20] + _GIVEN[(n * 7 + 3) % 20]


def credit_code(org_body: str) -> str:
    """A valid unified social credit code around an 8-character organisation-code body."""
    body17 = "91500101" + org_body + organisation_code_check_char(org_body)
    return body17 + credit_code_check_char(body17)


CODE_ABC = credit_code("MA5U7K3B")


def person(n: int, **overrides) -> dict:
    """One return row (header → cell value) for person n: a 甘宁镇 factory job in 2025."""
    row = {
        H_NAME: name_for(n),
        H_ID: id_for(n),
        H_PHONE: f"138{n:08d}",
        H_TOWNSHIP: "甘宁镇",
        H_VILLAGE: "永胜村",
        H_CATEGORIES: "",
        H_EMPLOYER: "万州ABC科技有限公司",
        H_CREDIT: CODE_ABC,
        H_INDUSTRY: "制造业",
        H_WORKPLACE: "甘宁镇",
        H_FORM: "单位就业",
        H_START: "2025-03-15",
        H_RETURNEE: "否",
        H_CHANNEL: "零工市场",
        H_INCOME: 3500,
    }
    for key, value in overrides.items():
        row[key] = value
    return row


def write_return(
    path: Path,
    rows: list[dict],
    *,
    headers: list[str] | None = None,
    labels: dict[str, str] | None = None,
    title_rows: int = 0,
    merge_title: bool = False,
    extra_columns: tuple[str, ...] = (),
    text_columns: tuple[str, ...] = (H_ID,),
) -> Path:
    """Write a return: `headers` in that order (default: all 15 of §5), then `extra_columns` (unknown ones).

    `labels` changes how a header is spelt in the file (" 姓名 *"); `title_rows` (1–2) puts a title above
    the header, merged across the header's width with `merge_title`. String cells of `text_columns` are
    stored as text cells with the "@" (text) number format, as a clerk following the template would.
    """
    columns = list(headers if headers is not None else HEADERS) + list(extra_columns)
    labels = labels or {}
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "季度报表"
    for text in (TITLE, SUBTITLE)[:title_rows]:
        sheet.append([text])
    if merge_title and title_rows:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet.append([labels.get(column, column) for column in columns])
    for row in rows:
        sheet.append([row.get(column) for column in columns])
        for column, cell in zip(columns, sheet[sheet.max_row], strict=False):
            if column in text_columns and isinstance(cell.value, str):
                cell.data_type = "s"
                cell.number_format = "@"
    workbook.save(path)
    return path


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _text_cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def write_raw_xlsx(path: Path, sheet_rows: bytes, *, dimension: str = "A1") -> Path:
    """A minimal .xlsx whose only sheet holds `sheet_rows` (the `<row>` elements) as given."""
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + f'<dimension ref="{dimension}"/>'.encode()
        + b"<sheetData>"
        + sheet_rows
        + b"</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def raw_header_row() -> bytes:
    """Row 1 with the eight required headers in columns A–H."""
    letters = "ABCDEFGH"
    cells = b"".join(_text_cell(f"{letters[i]}1", header) for i, header in enumerate(REQUIRED))
    return b'<row r="1">' + cells + b"</row>"


def write_many_rows(path: Path, data_rows: int) -> Path:
    """A return with `data_rows` rows under the header, one number in column A each (built in ~0.1 s)."""
    body = b"".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>'.encode() for n in range(2, data_rows + 2))
    return write_raw_xlsx(path, raw_header_row() + body, dimension=f"A1:H{data_rows + 1}")


# --- Running returns -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def storage(settings, tmp_path) -> Path:
    """Uploads are stored under a private directory of this test; returned so tests can look inside."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private" / "returns"


_copies = itertools.count(1)


def copy_of(path: Path) -> Path:
    """The same rows in a file of other bytes (saved again under another document title): a return that
    repeats an earlier one, not the same file, which the upload refuses (issue 17, item 5)."""
    workbook = openpyxl.load_workbook(path)
    number = next(_copies)
    workbook.properties.title = f"copy {number}"
    target = path.with_name(f"{path.stem}-{number}{path.suffix}")
    workbook.save(target)
    return target


def stored_files(storage: Path) -> list[Path]:
    return sorted(storage.iterdir()) if storage.exists() else []


def run(user, path: Path, **options):
    return return_run(acting_user=user, path=path, file_name=path.name, **options)


def cli(path: Path, user, *arguments) -> tuple[object, str, str]:
    """`manage.py import_return FILE --user U …` exactly as from a shell: (exit code, stdout, stderr).

    `run_from_argv` closes the database connections when it ends; that would end the test's transaction,
    so only that is stubbed out. An exception that escapes the command is returned as a traceback text.
    """
    out, err = io.StringIO(), io.StringIO()
    command = ImportReturnCommand(stdout=out, stderr=err)
    argv = ["manage.py", "import_return", str(path), "--user", user.username, "--skip-checks", *arguments]
    code: object = 0
    with mock.patch.object(connections, "close_all"):
        try:
            command.run_from_argv(argv)
        except SystemExit as exc:
            code = exc.code
        except Exception:
            code = "raised"
            err.write(traceback.format_exc())
    return code, out.getvalue(), err.getvalue()


def ledger_counts() -> tuple[int, int, int, int]:
    return (
        Worker.objects.count(),
        Employment.objects.count(),
        Employer.objects.count(),
        Tombstone.objects.count(),
    )


def summary(total, new=0, unchanged=0, updated=0, rejected=0) -> str:
    return f"共 {total} 行：新增 {new}，未变化 {unchanged}，更新 {updated}，有错误 {rejected}。"


def assert_refused(user, path: Path, message, *, row: int = 0, column: str = ""):
    """The file is refused as a whole: the error (row, column, exact message) is listed, nothing is written,
    the stored upload is gone, and the command exits 1 listing the same error without a traceback."""
    message = str(message)
    before = ledger_counts()
    batch, plan = run(user, path)
    issues = [(issue.row, issue.column, issue.message) for issue in plan.errors]
    assert (row, column, message) in issues, issues
    assert not plan.ok
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED
    assert {"row": row, "column": column, "message": message} in [
        {k: e[k] for k in ("row", "column", "message")} for e in batch.errors
    ]
    assert batch.finished_at is not None
    if row:
        assert batch.rows_rejected >= 1
    assert batch.stored_path == ""
    assert ledger_counts() == before

    code, out, err = cli(path, user)
    assert code == 1, (out, err)
    assert "Traceback" not in out + err
    where = f"第 {row} 行【{column}】" if row else "文件"
    lines = err.splitlines()
    assert any(line.startswith(where) and line.endswith(f"：{message}") for line in lines), err
    assert any(line.startswith("未导入。共 ") for line in lines), err
    assert ledger_counts() == before
    return plan


# --- The happy path ----------------------------------------------------------------------------------------


def happy_rows() -> list[dict]:
    return [
        person(1, **{H_CATEGORIES: "脱贫人口、低保", H_RETURNEE: "是"}),
        person(
            2,
            **{
                H_TOWNSHIP: "500101139",  # 甘宁镇 by its 9-digit code
                H_EMPLOYER: "灵活就业",
                H_CREDIT: None,
                H_INDUSTRY: "06",  # 住宿和餐饮业 by its code
                H_WORKPLACE: "区外市内",
                H_FORM: "灵活就业",
                H_START: "2025-06-01",
                H_CHANNEL: None,
                H_INCOME: None,
            },
        ),
        person(
            3,
            **{
                H_EMPLOYER: "重庆某某建筑劳务公司",
                H_CREDIT: None,
                H_INDUSTRY: "建筑业",
                H_WORKPLACE: "市外",
                H_FORM: "自主创业",
                H_START: "2025-09-30",
                H_INCOME: "4200.50",
            },
        ),
        # Person 1 again: a second job in 2026 (one person, two employments).
        person(
            1,
            **{
                H_CATEGORIES: "脱贫人口、低保",
                H_RETURNEE: "是",
                H_EMPLOYER: "万州区甘宁镇某某餐馆",
                H_CREDIT: None,
                H_INDUSTRY: "住宿和餐饮业",
                H_START: "2026-02-01",
            },
        ),
    ]


def test_happy_path_through_return_run(clerk_a, township_a, tmp_path, storage):
    path = write_return(tmp_path / "甘宁镇2025年第1季度.xlsx", happy_rows())
    before = ledger_counts()

    batch, plan = run(clerk_a, path)

    assert plan.ok, plan.errors
    assert plan.warnings == []
    batch.refresh_from_db()
    assert return_summary(batch) == summary(4, new=4)
    assert batch.status == ImportBatch.Status.IMPORTED
    assert ledger_counts()[:2] == (before[0] + 3, before[1] + 4)

    first = Worker.objects.get(id_number=id_for(1))
    assert (first.name, first.township, first.phone, first.village) == (
        name_for(1),
        township_a,
        "13800000001",
        "永胜村",
    )
    assert first.birth_date == date(1971, 2, 2)
    assert first.sex == "男"  # sequence 001 is odd
    assert first.import_batch_id == batch.pk
    assert first.is_poverty_alleviated and first.is_dibao and not first.is_disabled
    jobs = list(first.employments.order_by("start_date"))
    assert [j.start_date for j in jobs] == [date(2025, 3, 15), date(2026, 2, 1)]
    job = jobs[0]
    assert job.employer.name == "万州ABC科技有限公司"
    assert job.employer.credit_code == CODE_ABC
    assert job.industry == Industry.objects.get(code="02")
    assert (job.workplace, job.workplace_township) == (Workplace.IN_DISTRICT, township_a)
    assert (job.form, job.returnee, job.channel, job.monthly_income) == (
        "单位就业",
        True,
        "零工市场",
        Decimal("3500"),
    )
    assert (job.source, job.import_batch_id, job.created_by) == (Source.IMPORT, batch.pk, clerk_a)
    assert jobs[1].industry == Industry.objects.get(code="06")

    second = Employment.objects.get(worker__id_number=id_for(2))
    assert second.worker.township == township_a
    assert (second.workplace, second.workplace_township) == (Workplace.IN_CITY, None)
    assert (second.form, second.employer.name, second.industry.code) == ("灵活就业", "灵活就业", "06")
    assert (second.returnee, second.channel, second.monthly_income) == (False, "", None)
    third = Employment.objects.get(worker__id_number=id_for(3))
    assert (third.workplace, third.workplace_township, third.form) == (
        Workplace.OUT_OF_CITY,
        None,
        "自主创业",
    )
    assert third.monthly_income == Decimal("4200.50")
    assert stored_files(storage) == []


def test_happy_path_through_the_command(clerk_a, tmp_path):
    path = write_return(tmp_path / "return.xlsx", happy_rows())
    out, err = io.StringIO(), io.StringIO()

    call_command("import_return", str(path), "--user", clerk_a.username, stdout=out, stderr=err)

    batch = ImportBatch.objects.get()
    assert out.getvalue().strip() == f"已导入，批次 #{batch.pk}。{summary(4, new=4)}"
    assert err.getvalue() == ""
    assert Employment.objects.filter(import_batch_id=batch.pk).count() == 4
    # The same thing as from a shell: exit code 0.
    code, out, err = cli(copy_of(path), clerk_a)
    assert code == 0, err
    assert out.strip().endswith(summary(4, unchanged=4))


def test_batch_records_file_name_hash_counts_status_and_uploader(clerk_a, township_a, tmp_path, storage):
    path = write_return(tmp_path / "甘宁镇第一季度.xlsx", happy_rows())

    batch, _plan = run(clerk_a, path, year=2025, quarter=1)

    batch.refresh_from_db()
    assert batch.file_name == "甘宁镇第一季度.xlsx"
    assert batch.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert batch.file_size == path.stat().st_size
    assert (
        batch.rows_total,
        batch.rows_new,
        batch.rows_unchanged,
        batch.rows_updated,
        batch.rows_rejected,
    ) == (
        4,
        4,
        0,
        0,
        0,
    )
    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.uploaded_by == clerk_a
    assert (batch.township, batch.year, batch.quarter) == (township_a, 2025, 1)
    assert batch.finished_at is not None
    assert batch.errors == []
    # Stored upload deleted after import.
    assert batch.stored_path == ""
    assert stored_files(storage) == []


def test_rows_outside_the_declared_quarter_are_a_warning(clerk_a, tmp_path):
    path = write_return(tmp_path / "q1.xlsx", [person(1), person(2, **{H_START: "2025-06-01"})])

    batch, plan = run(clerk_a, path, year=2025, quarter=1)

    assert plan.ok
    expected = str(OUTSIDE_QUARTER.format(row=3, date="2025-06-01", year=2025, quarter=1))
    assert plan.warnings == [expected]
    assert ImportBatch.objects.get(pk=batch.pk).rows_new == 2


# --- Re-uploads, overlaps, changes -------------------------------------------------------------------------


def test_reupload_of_the_same_rows_changes_nothing(clerk_a, tmp_path):
    path = write_return(tmp_path / "return.xlsx", happy_rows())
    run(clerk_a, path)
    before = ledger_counts()
    stamps = dict(Worker.objects.values_list("pk", "updated_at"))

    batch, plan = run(clerk_a, copy_of(path))

    assert plan.ok
    assert return_summary(batch) == summary(4, unchanged=4)
    assert ledger_counts() == before
    assert dict(Worker.objects.values_list("pk", "updated_at")) == stamps
    code, out, _err = cli(copy_of(path), clerk_a)
    assert code == 0
    assert summary(4, unchanged=4) in out
    assert ledger_counts() == before


def test_the_same_file_again_is_refused_naming_the_batch_and_leaves_no_second_batch(
    clerk_a, tmp_path, storage
):
    """Issue 17, item 5: an identical file (same SHA-256) for the same township is the earlier import."""
    path = write_return(tmp_path / "return.xlsx", happy_rows())
    first, _plan = run(clerk_a, path)
    date_text = timezone.localtime(first.finished_at).date().isoformat()
    message = str(SAME_FILE.format(pk=first.pk, date=date_text))

    with pytest.raises(SameFile) as refused:
        run(clerk_a, path)

    assert refused.value.messages == [message]
    assert refused.value.batch == first
    assert ImportBatch.objects.count() == 1
    assert stored_files(storage) == []
    code, out, err = cli(path, clerk_a)
    assert (code, out) == (1, "")
    assert err.strip() == f"未导入：{message}"
    assert ImportBatch.objects.count() == 1
    # Once that batch is rolled back, the file is no longer in the ledger: it may be imported again.
    ImportBatch.objects.filter(pk=first.pk).update(status=ImportBatch.Status.ROLLED_BACK)
    assert run(clerk_a, path)[1].ok


def test_overlapping_file_adds_only_the_new_rows(clerk_a, tmp_path):
    first = write_return(tmp_path / "first.xlsx", [person(n) for n in (1, 2, 3, 4)])
    second = write_return(tmp_path / "second.xlsx", [person(n) for n in (3, 4, 5, 6)])
    run(clerk_a, first)

    batch, plan = run(clerk_a, second)

    assert plan.ok
    assert return_summary(batch) == summary(4, new=2, unchanged=2)
    assert Worker.objects.count() == 6
    assert Employment.objects.count() == 6
    keys = Employment.objects.values("worker", "start_date", "employer_key").annotate(n=Count("id"))
    assert all(k["n"] == 1 for k in keys)
    assert set(
        Employment.objects.filter(import_batch_id=batch.pk).values_list("worker__id_number", flat=True)
    ) == {
        id_for(5),
        id_for(6),
    }


def test_changed_row_is_updated_in_place(clerk_a, tmp_path):
    run(clerk_a, write_return(tmp_path / "first.xlsx", [person(1), person(2)]))
    job = Employment.objects.get(worker__id_number=id_for(1))
    changed = person(1, **{H_INCOME: 4100, H_CHANNEL: "招聘活动"})

    batch, plan = run(clerk_a, write_return(tmp_path / "second.xlsx", [changed, person(2)]))

    assert plan.ok
    assert return_summary(batch) == summary(2, unchanged=1, updated=1)
    assert Employment.objects.count() == 2
    job.refresh_from_db()
    assert (job.monthly_income, job.channel) == (Decimal("4100"), "招聘活动")
    assert job.import_batch_id != batch.pk  # the row stays the first batch's


def test_reupload_with_a_credit_code_for_a_known_employer_is_unchanged(clerk_a, tmp_path):
    """Contract: re-uploading a file changes nothing and reports every row as unchanged."""
    EmployerFactory(name="万州ABC科技有限公司")  # already in the ledger, without a credit code
    path = write_return(tmp_path / "return.xlsx", [person(1)])
    first, plan = run(clerk_a, path)
    assert plan.ok
    assert return_summary(first) == summary(1, new=1)

    batch, plan = run(clerk_a, copy_of(path))

    assert return_summary(batch) == summary(1, unchanged=1)


def test_reupload_with_a_credit_code_of_another_employer_does_not_crash(clerk_a, tmp_path, storage):
    EmployerFactory(name="重庆万州ABC科技有限公司", credit_code=CODE_ABC)  # same code, other spelling
    path = write_return(tmp_path / "return.xlsx", [person(1)])
    run(clerk_a, path)
    before = ledger_counts()

    code, out, err = cli(path, clerk_a)

    assert "Traceback" not in out + err
    assert code in (0, 1)
    assert ledger_counts() == before
    assert ImportBatch.objects.filter(status=ImportBatch.Status.IMPORTING).count() == 0
    assert stored_files(storage) == []


def test_reupload_of_a_person_with_two_jobs_and_two_phones_is_stable(clerk_a, tmp_path):
    rows = [
        person(1, **{H_PHONE: "13800000001"}),
        person(1, **{H_PHONE: "13900000001", H_START: "2025-05-01"}),
    ]
    path = write_return(tmp_path / "two_phones.xlsx", rows)
    first, plan = run(clerk_a, path)
    assert plan.ok, plan.errors
    assert return_summary(first) == summary(2, new=2)
    phone = Worker.objects.get(id_number=id_for(1)).phone

    summaries = [return_summary(run(clerk_a, copy_of(path))[0]) for _ in range(2)]

    assert summaries == [summary(2, unchanged=2)] * 2
    assert Worker.objects.get(id_number=id_for(1)).phone == phone


# --- Layout of the sheet ----------------------------------------------------------------------------------


@pytest.mark.parametrize("title_rows", [1, 2])
def test_title_rows_and_a_merged_title_above_the_header(clerk_a, tmp_path, title_rows):
    path = write_return(
        tmp_path / "titled.xlsx", [person(1), person(2)], title_rows=title_rows, merge_title=True
    )
    loaded = openpyxl.load_workbook(path)
    assert loaded.active.merged_cells.ranges  # the title really is merged

    batch, plan = run(clerk_a, path)

    assert plan.ok, plan.errors
    assert return_summary(batch) == summary(2, new=2)


def test_row_numbers_count_the_title_rows(clerk_a, tmp_path):
    bad = person(2, **{H_INDUSTRY: "航天业"})
    path = write_return(tmp_path / "titled.xlsx", [person(1), bad], title_rows=2, merge_title=True)

    assert_refused(clerk_a, path, UNKNOWN_INDUSTRY.format(value="航天业"), row=5, column=H_INDUSTRY)


def test_columns_in_another_order_with_spaces_and_marks_around_the_headers(clerk_a, tmp_path):
    order = list(reversed(HEADERS))
    labels = {H_NAME: " 姓名 *", H_ID: "公民身份号码 ", H_START: "就业时间(必填)"}
    path = write_return(tmp_path / "reordered.xlsx", [person(1), person(2)], headers=order, labels=labels)

    batch, plan = run(clerk_a, path)

    assert plan.ok, plan.errors
    assert return_summary(batch) == summary(2, new=2)
    worker = Worker.objects.get(id_number=id_for(1))
    assert worker.name == name_for(1)
    assert worker.employments.get().start_date == date(2025, 3, 15)


def test_unknown_column_is_a_warning_not_an_error(clerk_a, tmp_path):
    rows = [dict(person(1), 备注="已核实"), dict(person(2), 备注="")]
    path = write_return(tmp_path / "extra.xlsx", rows, extra_columns=("备注",))
    warning = str(UNKNOWN_COLUMNS_IGNORED.format(headers="“备注”"))

    batch, plan = run(clerk_a, path)

    assert plan.ok
    assert plan.warnings == [warning]
    assert ImportBatch.objects.get(pk=batch.pk).warnings == [warning]
    assert return_summary(batch) == summary(2, new=2)
    code, out, err = cli(copy_of(path), clerk_a)
    assert code == 0, err
    assert f"提示：{warning}" in out.splitlines()


def test_required_column_missing_is_named(clerk_a, tmp_path):
    headers = [h for h in HEADERS if h != H_START]
    path = write_return(tmp_path / "no_start.xlsx", [person(1)], headers=headers)

    assert_refused(clerk_a, path, HEADER_MISSING.format(rows=10, headers="“就业时间”"), column=HEADER_COLUMN)


def test_required_cell_empty(clerk_a, tmp_path):
    path = write_return(tmp_path / "empty_cell.xlsx", [person(1), person(2, **{H_EMPLOYER: "  "})])

    assert_refused(clerk_a, path, REQUIRED_EMPTY.format(header=H_EMPLOYER), row=3, column=H_EMPLOYER)


# --- Several rows of one person or one job -------------------------------------------------------------------


def test_exact_duplicate_rows_are_merged_with_a_warning(clerk_a, tmp_path):
    path = write_return(tmp_path / "dup.xlsx", [person(1), person(2), person(1)])

    batch, plan = run(clerk_a, path)

    assert plan.ok
    assert str(DUPLICATE_MERGED.format(row=4, other=2)) in plan.warnings
    assert Employment.objects.filter(worker__id_number=id_for(1)).count() == 1
    assert Worker.objects.filter(id_number=id_for(1)).count() == 1
    assert ImportBatch.objects.get(pk=batch.pk).rows_new == 2


def test_same_natural_key_with_different_values_names_both_rows(clerk_a, tmp_path):
    rows = [person(1), person(2), person(1, **{H_INCOME: 5000})]
    path = write_return(tmp_path / "conflict.xlsx", rows)

    assert_refused(clerk_a, path, SAME_KEY_DIFFERENT.format(other=2), row=4, column=H_EMPLOYER)


def test_same_id_with_two_names_in_one_file(clerk_a, tmp_path):
    rows = [person(1), person(1, **{H_NAME: "张三丰", H_START: "2025-08-01"})]
    path = write_return(tmp_path / "two_names.xlsx", rows)

    assert_refused(clerk_a, path, SAME_ID_TWO_NAMES.format(other=2, name=name_for(1)), row=3, column=H_NAME)


# --- Cells of the ID column ----------------------------------------------------------------------------------


def test_wrong_check_digit(clerk_a, tmp_path):
    good = id_for(1)
    wrong = good[:17] + ("7" if good[17] != "7" else "8")
    path = write_return(tmp_path / "check.xlsx", [person(1, **{H_ID: wrong})])

    plan = assert_refused(clerk_a, path, ID_NUMBER_CHECK_DIGIT, row=2, column=H_ID)
    assert plan.errors[0].value == wrong


def test_a_refused_file_counts_no_row_as_new(clerk_a, tmp_path, storage):
    """Two good rows and a bad one: nothing is written, so the batch and its summary count no row as new."""
    wrong = id_for(3)[:17] + ("7" if id_for(3)[17] != "7" else "8")
    path = write_return(tmp_path / "mixed.xlsx", [person(1), person(2), person(3, **{H_ID: wrong})])

    batch, plan = run(clerk_a, path)

    assert not plan.ok
    batch.refresh_from_db()
    assert (
        batch.rows_total,
        batch.rows_new,
        batch.rows_unchanged,
        batch.rows_updated,
        batch.rows_rejected,
    ) == (
        3,
        0,
        0,
        0,
        1,
    )
    refused = "共 3 行：新增 0，未变化 0，更新 0，有错误 1。整份文件没有写入，请改正后重新上传。"
    assert return_summary(batch) == refused
    code, _out, err = cli(path, clerk_a)
    assert code == 1
    assert f"未导入。{refused}" in err.splitlines()


def test_31_february_in_the_id_number(clerk_a, tmp_path):
    body = "50010119900231123"
    id_number = body + id_number_check_char(body)
    path = write_return(tmp_path / "feb31.xlsx", [person(1, **{H_ID: id_number})])

    assert_refused(clerk_a, path, ID_NUMBER_INVALID_DATE.format(date="19900231"), row=2, column=H_ID)


@pytest.mark.parametrize(
    "cell",
    [int(id_for(1)), "5.00101E+17"],
    ids=["number-cell", "scientific-text"],
)
def test_id_stored_as_a_number_says_to_format_the_column_as_text(clerk_a, tmp_path, cell):
    path = write_return(tmp_path / "numeric.xlsx", [person(1, **{H_ID: cell})], text_columns=())
    if isinstance(cell, int):
        assert openpyxl.load_workbook(path).active["B2"].data_type == "n"

    assert_refused(clerk_a, path, ID_NUMBER_NUMERIC, row=2, column=H_ID)
    assert "设置为“文本”" in str(ID_NUMBER_NUMERIC)


def test_id_with_a_zero_width_space(clerk_a, tmp_path):
    id_number = id_for(1)
    path = write_return(
        tmp_path / "zwsp.xlsx", [person(1, **{H_ID: id_number[:6] + "\u200b" + id_number[6:]})]
    )

    assert_refused(clerk_a, path, ID_NUMBER_INVISIBLE, row=2, column=H_ID)


# --- The rules of a row -----------------------------------------------------------------------------------------


def test_start_date_in_the_future(clerk_a, tmp_path):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    path = write_return(tmp_path / "future.xlsx", [person(1, **{H_START: tomorrow})])

    assert_refused(clerk_a, path, START_IN_FUTURE, row=2, column=H_START)


def test_start_date_before_2025_is_a_pre_plan_job_accepted_with_a_warning(clerk_a, township_a, tmp_path):
    """DESIGN.md §4.2, §5: a job that started before 2025 is recorded (the stock of people in work) with a
    warning, counts for rule 4.6 while active, and is never new employment of any plan year."""
    as_of = date(2025, 12, 31)
    counted_before = (
        selectors.nearby_employment_matrix(year=2025, as_of=as_of).total,
        selectors.cumulative(as_of=as_of).count,
        selectors.returnee_counts(year=2025, as_of=as_of),
        selectors.poverty_alleviated_in_work(on=date(2025, 6, 30)),
    )
    rows = [
        person(1, **{H_START: "2024-12-31", H_CATEGORIES: "脱贫人口", H_RETURNEE: "是"}),
        person(2, **{H_START: "2019-05-01"}),
    ]
    path = write_return(tmp_path / "early.xlsx", rows)

    batch, plan = run(clerk_a, path, year=2025, quarter=1)

    assert plan.ok, plan.errors
    assert plan.warnings == [str(PRE_PLAN_JOBS.format(count=2, rows="2、3"))]
    assert return_summary(batch) == summary(2, new=2)
    starts = set(Employment.objects.filter(import_batch_id=batch.pk).values_list("start_date", flat=True))
    assert starts == {date(2024, 12, 31), date(2019, 5, 1)}
    for year in selectors.PLAN_YEARS:
        assert selectors.nearby_employment_matrix(year=year, as_of=as_of).total == counted_before[0]
    assert selectors.cumulative(as_of=as_of).count == counted_before[1]
    assert selectors.returnee_counts(year=2025, as_of=as_of) == counted_before[2]
    assert selectors.poverty_alleviated_in_work(on=date(2025, 6, 30)) == counted_before[3] + 1

    # A new job of the same person in 2025 counts in 2025, once.
    path = write_return(
        tmp_path / "later.xlsx",
        [person(1, **{H_START: "2025-04-01", H_EMPLOYER: "万州某餐馆", H_CREDIT: None})],
    )
    batch, plan = run(clerk_a, path)
    assert plan.ok and plan.warnings == [], (plan.errors, plan.warnings)
    assert selectors.nearby_employment_matrix(year=2025, as_of=as_of).total == counted_before[0] + 1


def test_many_pre_plan_rows_give_one_warning(clerk_a, tmp_path):
    rows = [person(n, **{H_START: "2024-06-30"}) for n in range(1, 13)]
    path = write_return(tmp_path / "stock.xlsx", rows)

    batch, plan = run(clerk_a, path)

    assert plan.ok, plan.errors
    assert plan.warnings == [str(PRE_PLAN_JOBS.format(count=12, rows="2、3、4、5、6、7、8、9、10、11…"))]


def test_pre_plan_job_of_a_person_under_16_is_refused(clerk_a, tmp_path):
    young = id_for(7, birth=date(2009, 6, 1))  # 15 on 2024-05-31
    path = write_return(tmp_path / "young.xlsx", [person(7, **{H_ID: young, H_START: "2024-05-31"})])

    assert_refused(clerk_a, path, UNDER_AGE.format(start="2024-05-31"), row=2, column=H_START)


def test_person_under_16_at_the_start(clerk_a, tmp_path):
    young = id_for(7, birth=date(2009, 6, 1))  # 15 on 2025-05-31, 16 on 2025-06-01
    rows = [person(7, **{H_ID: young, H_START: "2025-05-31"})]
    path = write_return(tmp_path / "young.xlsx", rows)

    assert_refused(clerk_a, path, UNDER_AGE.format(start="2025-05-31"), row=2, column=H_START)

    ok = write_return(tmp_path / "sixteen.xlsx", [person(7, **{H_ID: young, H_START: "2025-06-01"})])
    batch, plan = run(clerk_a, ok)
    assert plan.ok, plan.errors


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (H_TOWNSHIP, "火星镇", UNKNOWN_TOWNSHIP.format(value="火星镇")),
        (H_INDUSTRY, "航天业", UNKNOWN_INDUSTRY.format(value="航天业")),
        (H_FORM, "兼职", UNKNOWN_FORM.format(value="兼职", choices="、".join(EmploymentForm.values))),
        (H_WORKPLACE, "北京", UNKNOWN_WORKPLACE.format(value="北京")),
    ],
    ids=["township", "industry", "form", "workplace"],
)
def test_unknown_reference_values(clerk_a, tmp_path, column, value, message):
    path = write_return(tmp_path / "unknown.xlsx", [person(1), person(2, **{column: value})])

    assert_refused(clerk_a, path, message, row=3, column=column)


def test_invalid_credit_code(clerk_a, tmp_path):
    wrong = CODE_ABC[:17] + ("0" if CODE_ABC[17] != "0" else "1")
    path = write_return(tmp_path / "credit.xlsx", [person(1, **{H_CREDIT: wrong})])

    assert_refused(clerk_a, path, CREDIT_CODE_CHECK_CHAR, row=2, column=H_CREDIT)


@pytest.mark.parametrize(
    ("column", "limit"),
    [(H_VILLAGE, 50), (H_EMPLOYER, 200), (H_CHANNEL, 50)],
    ids=["village", "employer", "channel"],
)
def test_text_longer_than_the_ledger_holds(clerk_a, tmp_path, column, limit):
    """Refused with the limit stated (on PostgreSQL it would otherwise fail the whole import with a 500)."""
    path = write_return(tmp_path / "long.xlsx", [person(1), person(2, **{column: "长" * (limit + 1)})])

    message = R.TEXT_TOO_LONG.format(limit=limit, length=limit + 1)
    assert_refused(clerk_a, path, message, row=3, column=column)


def test_text_as_long_as_the_ledger_holds_is_imported(clerk_a, tmp_path):
    row = person(1, **{H_VILLAGE: "村" * 50, H_EMPLOYER: "万州" + "厂" * 198, H_CHANNEL: "渠" * 50})
    batch, plan = run(clerk_a, write_return(tmp_path / "full.xlsx", [row]))

    assert plan.ok, plan.errors
    job = Employment.objects.select_related("worker", "employer").get()
    assert (len(job.worker.village), len(job.employer.name), len(job.channel)) == (50, 200, 50)


@pytest.mark.parametrize("income", [-100, "-1.50"], ids=["number", "text"])
def test_negative_income(clerk_a, tmp_path, income):
    path = write_return(tmp_path / "income.xlsx", [person(1, **{H_INCOME: income})])

    assert_refused(clerk_a, path, INCOME_NEGATIVE, row=2, column=H_INCOME)


def test_name_with_digits_is_refused_as_in_the_ledger(clerk_a, tmp_path):
    path = write_return(tmp_path / "name.xlsx", [person(1, **{H_NAME: "张三1<b>"})])

    message = NAME_CHARACTER.format(position=3, char="1", code="U+0031", reason=REASON_DIGIT)
    assert_refused(clerk_a, path, message, row=2, column=H_NAME)


# --- The ledger and the clerk's township ------------------------------------------------------------------------


def test_id_already_in_the_ledger_with_another_name(clerk_a, township_a, tmp_path):
    worker = WorkerFactory(id_number=id_for(1), name="李强", township=township_a)
    path = write_return(tmp_path / "other_name.xlsx", [person(1)])

    assert_refused(clerk_a, path, ID_NUMBER_OTHER_NAME.format(name="李强"), row=2, column=H_NAME)
    worker.refresh_from_db()
    assert worker.name == "李强"


def test_clerk_cannot_import_a_person_of_another_township(clerk_a, tmp_path):
    path = write_return(tmp_path / "fenshui.xlsx", [person(1), person(2, **{H_TOWNSHIP: "分水镇"})])

    assert_refused(
        clerk_a, path, NOT_YOUR_TOWNSHIP.format(township="分水镇", own="甘宁镇"), row=3, column=H_TOWNSHIP
    )
    assert not Worker.objects.filter(id_number=id_for(2)).exists()


@pytest.mark.parametrize("name_in_file", ["赵六", "钱七"], ids=["same-name", "other-name"])
def test_id_of_an_existing_person_of_another_township(clerk_a, township_b, tmp_path, name_in_file):
    other = WorkerFactory(
        id_number=id_for(9), name="赵六", township=township_b, phone="13912345678", village="分水村"
    )
    EmploymentFactory(worker=other, start_date=date(2025, 2, 1))
    snapshot = Worker.objects.filter(pk=other.pk).values().get()
    row = person(
        9, **{H_NAME: name_in_file, H_PHONE: "13800009999", H_VILLAGE: "永胜村", H_CATEGORIES: "残疾"}
    )
    path = write_return(tmp_path / "theirs.xlsx", [row])

    message = REGISTERED_ELSEWHERE.format(
        since=SINCE_RECORD.format(date=timezone.localtime(other.created_at).date().isoformat()),
        township="分水镇",
        how=MOVE_HOW.format(own="甘宁镇"),
    )
    plan = assert_refused(clerk_a, path, message, row=2, column=H_ID)

    assert Worker.objects.filter(pk=other.pk).values().get() == snapshot
    assert other.employments.count() == 1
    # The clerk learns the township, never the name the other township recorded.
    assert all(other.name not in issue.message for issue in plan.errors)


def test_bureau_sees_a_township_mismatch(bureau_user, township_b, tmp_path):
    worker = WorkerFactory(id_number=id_for(9), name=name_for(9), township=township_b)
    path = write_return(tmp_path / "moved.xlsx", [person(9)])

    message = TOWNSHIP_MISMATCH.format(
        since=SINCE_RECORD.format(date=timezone.localtime(worker.created_at).date().isoformat()),
        township="分水镇",
        how=MOVE_HOW.format(own="甘宁镇"),
    )
    assert_refused(bureau_user, path, message, row=2, column=H_TOWNSHIP)


def test_read_only_user_is_refused(industry_user, tmp_path, storage):
    path = write_return(tmp_path / "return.xlsx", [person(1)])
    before = ledger_counts()

    with pytest.raises(PermissionDenied) as info:
        run(industry_user, path)

    assert str(info.value) == READ_ONLY_IMPORT
    assert not ImportBatch.objects.exists()
    assert stored_files(storage) == []
    code, out, err = cli(path, industry_user)
    assert code == 1
    assert "Traceback" not in out + err
    assert READ_ONLY_IMPORT in err
    assert ledger_counts() == before


# --- Locked quarters --------------------------------------------------------------------------------------------


def test_row_in_a_locked_quarter(clerk_a, bureau_user, tmp_path):
    quarter_lock(acting_user=bureau_user, year=2025, quarter=1, reason="一季度数据已审定")
    rows = [person(1, **{H_START: "2025-04-01"}), person(2, **{H_START: "2025-02-01"})]
    path = write_return(tmp_path / "locked.xlsx", rows)

    assert_refused(clerk_a, path, QUARTER_LOCKED.format(year=2025, quarter=1), row=3, column=H_START)


def test_unchanged_row_in_a_locked_quarter_is_not_refused(clerk_a, bureau_user, tmp_path):
    old = person(1, **{H_START: "2025-02-01"})
    run(clerk_a, write_return(tmp_path / "q1.xlsx", [old]))
    quarter_lock(acting_user=bureau_user, year=2025, quarter=1, reason="一季度数据已审定")

    batch, plan = run(
        clerk_a, write_return(tmp_path / "q1q2.xlsx", [old, person(2, **{H_START: "2025-05-01"})])
    )

    assert plan.ok, plan.errors
    assert return_summary(batch) == summary(2, new=1, unchanged=1)


# --- Dates, yes/no, categories ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        datetime(2025, 3, 15),
        date(2025, 3, 15),
        "2025-03-15",
        "2025/3/15",
        "2025年3月15日",
        "20250315",
        20250315,
        45731,
    ],
    ids=[
        "datetime-cell",
        "date-cell",
        "iso",
        "slashes",
        "chinese",
        "compact-text",
        "compact-number",
        "serial",
    ],
)
def test_start_date_spellings(clerk_a, tmp_path, cell):
    path = write_return(tmp_path / "dates.xlsx", [person(1, **{H_START: cell})])
    if isinstance(cell, date):
        assert openpyxl.load_workbook(path).active["L2"].is_date

    batch, plan = run(clerk_a, path)

    assert plan.ok, plan.errors
    assert Employment.objects.get(worker__id_number=id_for(1)).start_date == date(2025, 3, 15)


def test_returnee_yes_no_and_empty(clerk_a, tmp_path):
    rows = [person(1, **{H_RETURNEE: "是"}), person(2, **{H_RETURNEE: "否"}), person(3, **{H_RETURNEE: None})]
    path = write_return(tmp_path / "returnee.xlsx", rows)

    _batch, plan = run(clerk_a, path)

    assert plan.ok, plan.errors
    flags = dict(Employment.objects.values_list("worker__id_number", "returnee"))
    assert flags == {id_for(1): True, id_for(2): False, id_for(3): False}


@pytest.mark.parametrize("text", ["脱贫人口、低保", "脱贫人口,低保", "脱贫人口，低保"])
def test_categories_set_both_flags(clerk_a, tmp_path, text):
    path = write_return(tmp_path / "categories.xlsx", [person(1, **{H_CATEGORIES: text})])

    _batch, plan = run(clerk_a, path)

    assert plan.ok, plan.errors
    worker = Worker.objects.get(id_number=id_for(1))
    assert worker.categories == ["脱贫人口", "低保"]
    assert (worker.is_poverty_alleviated, worker.is_dibao, worker.is_monitored) == (True, True, False)


# --- Files that are not a return -----------------------------------------------------------------------------


def test_csv_named_xlsx_is_read_as_the_csv_it_is(clerk_a, tmp_path):
    path = tmp_path / "return.xlsx"
    text = ",".join(HEADERS) + "\n" + ",".join(str(v or "") for v in person(1).values()) + "\n"
    path.write_bytes(text.encode("utf-8-sig"))

    batch, plan = run(clerk_a, path)

    assert plan.ok, plan.errors
    assert return_summary(batch) == summary(1, new=1)


def test_broken_xls(clerk_a, tmp_path):
    path = tmp_path / "return.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)

    assert_refused(clerk_a, path, FILE_CORRUPT)


def test_wps_spreadsheet_is_refused_naming_the_formats_accepted(clerk_a, tmp_path, storage):
    path = write_return(tmp_path / "return.et", [person(1)])
    before = ledger_counts()

    with pytest.raises(ValidationError) as caught:
        run(clerk_a, path)
    assert caught.value.messages == [str(FILE_FORMAT_UNSUPPORTED)]
    code, out, err = cli(path, clerk_a)
    assert code == 1 and str(FILE_FORMAT_UNSUPPORTED) in err and "Traceback" not in err
    assert (ledger_counts(), ImportBatch.objects.count(), stored_files(storage)) == (before, 0, [])


def test_zero_byte_file(clerk_a, tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")

    assert_refused(clerk_a, path, FILE_EMPTY)


def test_header_only(clerk_a, tmp_path):
    path = write_return(tmp_path / "header_only.xlsx", [], title_rows=1)

    assert_refused(clerk_a, path, EMPTY_FILE)


def test_totally_empty_workbook(clerk_a, tmp_path):
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)
    missing = "、".join(f"“{header}”" for header in REQUIRED)

    assert_refused(clerk_a, path, HEADER_MISSING.format(rows=10, headers=missing), column=HEADER_COLUMN)


def test_formulas_are_refused_naming_the_cell(clerk_a, tmp_path):
    rows = [person(1), person(2, **{H_INCOME: '=WEBSERVICE("http://127.0.0.1:9/")'})]
    path = write_return(tmp_path / "formula.xlsx", rows)
    with zipfile.ZipFile(path) as archive:
        assert b"<f>" in archive.read("xl/worksheets/sheet1.xml")

    assert_refused(clerk_a, path, FILE_FORMULAS.format(cells="O3"))


def test_more_than_100000_rows_is_refused_stating_the_limit(clerk_a, tmp_path, django_assert_max_num_queries):
    path = write_many_rows(tmp_path / "big.xlsx", MAX_ROWS + 1)

    with counted() as work, django_assert_max_num_queries(100):  # not a query per row
        assert_refused(clerk_a, path, FILE_TOO_MANY_ROWS.format(limit=MAX_ROWS))
    # The service and the command each read the header and the 100,001 rows once, nothing more.
    assert work.rows == 2 * (1 + MAX_ROWS + 1)


def test_far_more_than_100000_rows_states_the_same_limit(clerk_a, tmp_path):
    path = write_many_rows(tmp_path / "bigger.xlsx", MAX_ROWS + 50)

    _batch, plan = run(clerk_a, path)

    assert [e.message for e in plan.errors] == [str(FILE_TOO_MANY_ROWS.format(limit=MAX_ROWS))]


def test_sheet_claiming_the_whole_grid_is_refused_before_reading(clerk_a, tmp_path):
    rows = (
        b'<row r="1">' + _text_cell("A1", "姓名") + b"</row>"
        b'<row r="1048576">' + _text_cell("XFD1048576", "x") + b"</row>"
    )
    path = write_raw_xlsx(tmp_path / "grid.xlsx", rows, dimension="A1:XFD1048576")
    assert path.stat().st_size < 2048
    bounds = {
        str(FILE_TOO_MANY_ROWS.format(limit=MAX_ROWS)),
        str(FILE_TOO_MANY_COLUMNS.format(limit=MAX_COLS)),
    }

    with counted() as work:
        _batch, plan = run(clerk_a, path)

    # The scan of the 2 KB file refuses it: nothing past its own bytes is inflated, no reader builds a grid.
    assert work.inflated < 4096 and work.rows == 0
    assert [(e.row, e.column) for e in plan.errors] == [(0, "")]
    assert plan.errors[0].message in bounds
    assert_refused(clerk_a, path, plan.errors[0].message)


def test_cell_in_column_xfd_is_refused_by_the_column_bound(clerk_a, tmp_path):
    row = raw_header_row()[: -len(b"</row>")] + _text_cell("XFD1", "x") + b"</row>"
    path = write_raw_xlsx(tmp_path / "wide.xlsx", row, dimension="A1:XFD1")

    assert_refused(clerk_a, path, FILE_TOO_MANY_COLUMNS.format(limit=MAX_COLS))


def test_openpyxl_parses_xml_through_defusedxml():
    import defusedxml  # noqa: F401 - installed
    from openpyxl.xml import DEFUSEDXML

    assert openpyxl.DEFUSEDXML is True
    assert DEFUSEDXML is True


# --- Dry run and progress ----------------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_leaves_no_batch(clerk_a, tmp_path, storage):
    """Issue 17, item 5: a dry run is a check, not an upload — nothing in the clerk's list of batches."""
    path = write_return(tmp_path / "return.xlsx", happy_rows())
    before = ledger_counts()

    code, out, err = cli(path, clerk_a, "--dry-run")

    assert code == 0, err
    assert out.strip() == f"校验通过（未写入，--dry-run）。{summary(4, new=4)}"
    assert ledger_counts() == before
    assert ImportBatch.objects.count() == 0
    assert stored_files(storage) == []
    # The file it checked imports afterwards (a dry run is no earlier import of it).
    assert cli(path, clerk_a)[0] == 0


def test_dry_run_of_a_bad_file_exits_1(clerk_a, tmp_path):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    path = write_return(tmp_path / "bad.xlsx", [person(1, **{H_START: tomorrow})])

    code, out, err = cli(path, clerk_a, "--dry-run")

    assert code == 1
    assert "Traceback" not in out + err
    assert f"第 2 行【{H_START}】（{tomorrow}）：{START_IN_FUTURE}" in err.splitlines()


def test_progress_recompute_is_scheduled_once_per_import(
    clerk_a, tmp_path, django_capture_on_commit_callbacks
):
    path = write_return(tmp_path / "return.xlsx", happy_rows() + [person(n) for n in range(10, 30)])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _batch, plan = run(clerk_a, path)

    assert plan.ok
    pending = [c for c in callbacks if isinstance(c, _PendingRecompute)]
    assert len(pending) == 1
    assert pending[0].years == {2025, 2026, 2027}  # 2027's cumulative figures include 2025 and 2026

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run(clerk_a, copy_of(path))  # nothing changed: nothing to recompute
    assert [c for c in callbacks if isinstance(c, _PendingRecompute)] == []


# --- Rollback -------------------------------------------------------------------------------------------------


@pytest.fixture
def imported(clerk_a, township_a, tmp_path):
    """A batch that added a job to a person already in the ledger, and two new people."""
    existing = WorkerFactory(id_number=id_for(1), name=name_for(1), township=township_a)
    earlier_job = EmploymentFactory(worker=existing, start_date=date(2025, 1, 10))
    path = write_return(tmp_path / "batch.xlsx", [person(1), person(2), person(3, **{H_START: "2025-05-05"})])
    batch, plan = run(clerk_a, path)
    assert plan.ok, plan.errors
    assert return_summary(batch) == summary(3, new=3)
    return batch, existing, earlier_job


def test_bureau_rolls_back_a_batch(bureau_user, imported):
    batch, existing, earlier_job = imported
    job_ids = set(Employment.objects.filter(import_batch_id=batch.pk).values_list("pk", flat=True))
    new_worker_ids = set(Worker.objects.filter(import_batch_id=batch.pk).values_list("pk", flat=True))
    assert len(job_ids) == 3 and len(new_worker_ids) == 2

    result = return_rollback(batch=batch, acting_user=bureau_user, reason="重复报送")

    assert result.status == ImportBatch.Status.ROLLED_BACK
    batch.refresh_from_db()
    assert (batch.status, batch.rolled_back_by, batch.rollback_reason) == (
        ImportBatch.Status.ROLLED_BACK,
        bureau_user,
        "重复报送",
    )
    assert batch.rolled_back_at is not None
    assert not Employment.objects.filter(pk__in=job_ids).exists()
    assert not Worker.objects.filter(pk__in=new_worker_ids).exists()
    assert Worker.objects.filter(pk=existing.pk).exists()
    assert Employment.objects.filter(pk=earlier_job.pk).exists()
    tombstones = set(Tombstone.objects.values_list("kind", "object_id"))
    assert tombstones == {(Tombstone.Kind.EMPLOYMENT, pk) for pk in job_ids} | {
        (Tombstone.Kind.WORKER, pk) for pk in new_worker_ids
    }

    with pytest.raises(ValidationError) as info:
        return_rollback(batch=batch, acting_user=bureau_user, reason="再次撤销")
    assert info.value.messages == [BATCH_WRONG_STATE.format(status=ImportBatch.Status.ROLLED_BACK.label)]


def test_clerk_cannot_roll_back(clerk_a, imported):
    batch, _existing, _job = imported
    before = ledger_counts()

    with pytest.raises(PermissionDenied) as info:
        return_rollback(batch=batch, acting_user=clerk_a, reason="报错了")

    assert str(info.value) == str(ONLY_BUREAU_ROLLBACK)
    assert ledger_counts() == before
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.IMPORTED


@pytest.mark.parametrize("reason", ["", "   "])
def test_rollback_needs_a_reason(bureau_user, imported, reason):
    batch, _existing, _job = imported
    before = ledger_counts()

    with pytest.raises(ValidationError) as info:
        return_rollback(batch=batch, acting_user=bureau_user, reason=reason)

    assert info.value.messages == [str(ROLLBACK_REASON)]
    assert ledger_counts() == before


def test_rollback_refused_while_the_quarter_is_locked(bureau_user, imported):
    batch, _existing, _job = imported
    quarter_lock(acting_user=bureau_user, year=2025, quarter=1, reason="一季度数据已审定")
    before = ledger_counts()

    with pytest.raises(ValidationError) as info:
        return_rollback(batch=batch, acting_user=bureau_user, reason="重复报送")

    assert info.value.messages == [ROLLBACK_LOCKED.format(quarters="2025年第1季度")]
    assert ledger_counts() == before
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.IMPORTED
