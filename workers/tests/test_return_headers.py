"""Returns headed the way township offices head them (DESIGN.md §5; issue 17, build item 3): the usual wordings
of `HEADER_ALIASES`, a trailing `*`, full-width brackets and spaces, a header over two rows with a group cell
merged above its sub-headers, and a header one character off — as openpyxl writes them and as LibreOffice
saves them again (.xls, .ods), each accepting every valid row and refusing each planted error at its row and
column.
"""

from pathlib import Path

import openpyxl
import pytest

from tests.libreoffice import convert
from wanzhou_jobs.spreadsheets import HEADER_TAKEN_AS
from workers import resources as R
from workers.returns import return_summary
from workers.tests.test_return_formats import (
    assert_imports_every_row,
    assert_refuses_each_planted_error,
    bad_rows,
    good_rows,
)
from workers.tests.test_returns import HEADERS, person, run, summary, write_return

pytestmark = pytest.mark.django_db

# How an office might head the 15 columns: aliases, marks, full-width brackets and spaces, in another order.
OFFICE_LABELS = {
    R.H_NAME: "姓　名*",
    R.H_ID: "身份证号码＊",
    R.H_PHONE: "手机号码",
    R.H_TOWNSHIP: "户籍所在乡镇(街道)",
    R.H_VILLAGE: "村（社区）",
    R.H_EMPLOYER: "工作单位",
    R.H_INDUSTRY: "所属行业",
    R.H_WORKPLACE: "工作地点",
    R.H_FORM: "就业方式",
    R.H_START: "入职时间 *",
    R.H_RETURNEE: "是否返乡人员",
    R.H_INCOME: "月工资",
}
GROUP = (R.H_EMPLOYER, R.H_START)  # the columns under the group cell 就业情况 in the two-row header


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def write_office_return(path: Path, rows: list[dict]) -> Path:
    """Office wordings, columns in reverse order, a title above."""
    return write_return(path, rows, headers=list(reversed(HEADERS)), labels=OFFICE_LABELS, title_rows=1)


def write_two_row_return(path: Path, rows: list[dict]) -> Path:
    """Title in row 1; row 2 the headers, merged down into row 3 except under the group cell 就业情况, whose
    sub-headers are in row 3; data from row 4."""
    first, last = HEADERS.index(GROUP[0]) + 1, HEADERS.index(GROUP[1]) + 1
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(["万州区甘宁镇2025年第一季度农民工就近就业花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    for column, header in enumerate(HEADERS, start=1):
        if first <= column <= last:
            sheet.cell(row=3, column=column, value=OFFICE_LABELS.get(header, header))
        else:
            sheet.cell(row=2, column=column, value=header)
            sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    sheet.cell(row=2, column=first, value="就业情况")
    sheet.merge_cells(start_row=2, start_column=first, end_row=2, end_column=last)
    for row in rows:
        sheet.append([row.get(header) for header in HEADERS])
        sheet.cell(row=sheet.max_row, column=HEADERS.index(R.H_ID) + 1).number_format = "@"
    workbook.save(path)
    return path


def shifted(expected: set, by: int) -> set:
    return {(row + by, column, message) for row, column, message in expected}


# --- openpyxl ---------------------------------------------------------------------------------------------------


def test_office_wordings_import_every_row(clerk_a, tmp_path):
    assert_imports_every_row(clerk_a, write_office_return(tmp_path / "office.xlsx", good_rows()))


def test_office_wordings_refuse_each_planted_error_under_the_column_of_the_contract(clerk_a, tmp_path):
    rows, expected = bad_rows()
    path = write_office_return(tmp_path / "office.xlsx", rows)
    assert_refuses_each_planted_error(clerk_a, path, shifted(expected, 1))  # the title row above


def test_a_two_row_header_imports_every_row(clerk_a, tmp_path):
    assert_imports_every_row(clerk_a, write_two_row_return(tmp_path / "two.xlsx", good_rows()))


def test_a_two_row_header_refuses_each_planted_error(clerk_a, tmp_path):
    rows, expected = bad_rows()
    path = write_two_row_return(tmp_path / "two.xlsx", rows)
    assert_refuses_each_planted_error(clerk_a, path, shifted(expected, 2))  # title and second header row


def test_a_header_a_character_off_is_read_with_a_warning_naming_the_column(clerk_a, tmp_path):
    labels = {R.H_ID: "身分证号码", R.H_TOWNSHIP: "户籍所在乡镇街道"}
    path = write_return(tmp_path / "typo.xlsx", [person(1), person(2)], labels=labels)

    batch, plan = run(clerk_a, path)

    assert plan.ok, plan.errors
    assert plan.warnings == [
        str(HEADER_TAKEN_AS).format(header="身分证号码", name=R.H_ID),
        str(HEADER_TAKEN_AS).format(header="户籍所在乡镇街道", name=R.H_TOWNSHIP),
    ]
    assert return_summary(batch) == summary(2, new=2)


# --- The same files saved by LibreOffice -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openpyxl_headed(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("headed")
    rows, _expected = bad_rows()
    return {
        "office good": write_office_return(directory / "office_good.xlsx", good_rows()),
        "office bad": write_office_return(directory / "office_bad.xlsx", rows),
        "two-row good": write_two_row_return(directory / "two_good.xlsx", good_rows()),
        "two-row bad": write_two_row_return(directory / "two_bad.xlsx", rows),
    }


@pytest.fixture(scope="module", params=["xls", "ods"])
def libreoffice_headed(request, openpyxl_headed, tmp_path_factory) -> dict[str, Path]:
    outdir = tmp_path_factory.mktemp(f"headed-{request.param}")
    names = list(openpyxl_headed)
    return dict(
        zip(names, convert([openpyxl_headed[name] for name in names], request.param, outdir), strict=True)
    )


@pytest.mark.parametrize("kind", ["office", "two-row"])
def test_headers_saved_by_libreoffice_import_every_row(clerk_a, libreoffice_headed, kind):
    assert_imports_every_row(clerk_a, libreoffice_headed[f"{kind} good"])


@pytest.mark.parametrize(("kind", "rows_above"), [("office", 1), ("two-row", 2)])
def test_headers_saved_by_libreoffice_refuse_each_planted_error(
    clerk_a, libreoffice_headed, kind, rows_above
):
    expected = shifted(bad_rows()[1], rows_above)
    assert_refuses_each_planted_error(clerk_a, libreoffice_headed[f"{kind} bad"], expected)
