"""The quarterly return in every accepted format (DESIGN.md §5; issue 17, build item 2): the same rows saved by
openpyxl, then by LibreOffice as .xls, .ods and .xlsx, and written as CSV in UTF-8 (with and without BOM) and
GB18030 — each accepting every valid row, and refusing each planted error with its row and column, through
the same pipeline (`return_run`, which the command runs; the upload page calls the same services).
"""

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.libreoffice import convert
from workers.models import Employment, ImportBatch, Worker
from workers.resources import (
    H_CREDIT,
    H_EMPLOYER,
    H_FORM,
    H_ID,
    H_INCOME,
    H_INDUSTRY,
    H_NAME,
    H_START,
    H_TOWNSHIP,
    UNKNOWN_FORM,
    UNKNOWN_INDUSTRY,
    UNKNOWN_TOWNSHIP,
)
from workers.returns import return_summary
from workers.services import START_IN_FUTURE
from workers.tests.test_returns import HEADERS, id_for, ledger_counts, person, run, summary, write_return

pytestmark = pytest.mark.django_db

FORMS = "、".join(["单位就业", "灵活就业", "自主创业", "公益性岗位", "就业帮扶车间", "以工代赈"])


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def good_rows() -> list[dict]:
    return [
        person(1, **{H_START: date(2025, 3, 15)}),  # a date cell
        person(2, **{H_START: "2025/4/1", H_INCOME: 4200.5}),
        person(
            3,
            **{
                H_START: "2025年5月6日",
                H_INCOME: None,
                H_EMPLOYER: "灵活就业",
                H_CREDIT: None,
                H_FORM: "灵活就业",
            },
        ),
        person(4, **{H_TOWNSHIP: "500101139", H_INDUSTRY: "06"}),  # 甘宁镇 and 住宿和餐饮业 by code
    ]


def bad_rows() -> tuple[list[dict], set[tuple[int, str, str]]]:
    """Rows with one planted error each (and good rows between), and the errors expected: (row, column, message)."""
    rows = [
        person(1),
        person(2, **{H_INDUSTRY: "航天业"}),
        person(3),
        person(4, **{H_FORM: "兼职"}),
        person(5, **{H_START: "2099-01-01"}),
        person(6, **{H_TOWNSHIP: "火星镇"}),
    ]
    expected = {
        (3, H_INDUSTRY, str(UNKNOWN_INDUSTRY).format(value="航天业")),
        (5, H_FORM, str(UNKNOWN_FORM).format(value="兼职", choices=FORMS)),
        (6, H_START, str(START_IN_FUTURE)),
        (7, H_TOWNSHIP, str(UNKNOWN_TOWNSHIP).format(value="火星镇")),
    }
    return rows, expected


def assert_imports_every_row(user, path: Path, rows: int = 4):
    before = ledger_counts()
    batch, plan = run(user, path)
    assert plan.ok, plan.errors
    assert return_summary(batch) == summary(rows, new=rows)
    assert ledger_counts()[1] == before[1] + rows
    first = Employment.objects.get(worker__id_number=id_for(1), import_batch_id=batch.pk)
    assert (first.start_date, first.worker.name) == (date(2025, 3, 15), person(1)[H_NAME])
    second = Employment.objects.get(worker__id_number=id_for(2), import_batch_id=batch.pk)
    assert (second.start_date, second.monthly_income) == (date(2025, 4, 1), 4200.5)
    assert Worker.objects.get(id_number=id_for(3)).employments.get().start_date == date(2025, 5, 6)
    assert Employment.objects.get(worker__id_number=id_for(4)).industry.name == "住宿和餐饮业"


def assert_refuses_each_planted_error(user, path: Path, expected: set):
    before = ledger_counts()
    batch, plan = run(user, path)
    assert {(issue.row, issue.column, issue.message) for issue in plan.errors} == expected
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED
    assert ledger_counts() == before


# --- Files saved by LibreOffice -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openpyxl_returns(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("openpyxl")
    return {
        "good": write_return(directory / "good.xlsx", good_rows(), title_rows=1),
        "bad": write_return(directory / "bad.xlsx", bad_rows()[0]),
    }


@pytest.fixture(scope="module", params=["xls", "ods", "xlsx"])
def libreoffice_returns(request, openpyxl_returns, tmp_path_factory) -> dict[str, Path]:
    """The openpyxl returns as LibreOffice saves them, one soffice run per format."""
    outdir = tmp_path_factory.mktemp(f"libreoffice-{request.param}")
    good, bad = convert([openpyxl_returns["good"], openpyxl_returns["bad"]], request.param, outdir)
    return {"good": good, "bad": bad}


def test_a_return_saved_by_libreoffice_imports_every_row(clerk_a, libreoffice_returns):
    assert_imports_every_row(clerk_a, libreoffice_returns["good"])


def test_a_return_saved_by_libreoffice_refuses_each_planted_error(clerk_a, libreoffice_returns):
    assert_refuses_each_planted_error(clerk_a, libreoffice_returns["bad"], bad_rows()[1])


def test_the_openpyxl_originals_read_the_same(clerk_a, openpyxl_returns):
    assert_imports_every_row(clerk_a, openpyxl_returns["good"])
    assert_refuses_each_planted_error(clerk_a, openpyxl_returns["bad"], bad_rows()[1])


# --- CSV ------------------------------------------------------------------------------------------------------


def write_csv(
    path: Path, rows: list[dict], *, encoding: str, delimiter: str = ",", title: bool = False
) -> Path:
    """A CSV as Excel or WPS exports one: dates as they are shown, every cell as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerow(["万州区甘宁镇2025年第一季度农民工就近就业情况统计表"])
    writer.writerow(HEADERS)
    for row in rows:
        cells = [row.get(header) for header in HEADERS]
        writer.writerow(
            ["" if v is None else v.strftime("%Y/%m/%d") if isinstance(v, date) else v for v in cells]
        )
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


CSV_KINDS = {
    "UTF-8 with BOM": {"encoding": "utf-8-sig"},
    "UTF-8": {"encoding": "utf-8", "delimiter": ";"},
    "GB18030": {"encoding": "gb18030", "delimiter": "\t", "title": True},
}


@pytest.mark.parametrize("kind", list(CSV_KINDS))
def test_a_csv_return_imports_every_row(clerk_a, tmp_path, kind):
    path = write_csv(tmp_path / "甘宁镇.csv", good_rows(), **CSV_KINDS[kind])
    assert_imports_every_row(clerk_a, path)


@pytest.mark.parametrize("kind", list(CSV_KINDS))
def test_a_csv_return_refuses_each_planted_error(clerk_a, tmp_path, kind):
    rows, expected = bad_rows()
    options = dict(CSV_KINDS[kind], title=False)
    path = write_csv(tmp_path / "甘宁镇.csv", rows, **options)
    assert_refuses_each_planted_error(clerk_a, path, expected)


def test_an_id_number_a_csv_lost_to_excel_is_refused_at_its_cell(clerk_a, tmp_path):
    # Excel saves an 18-digit number as 5.00101E+17 when the column was not text: refused, not guessed.
    path = write_csv(tmp_path / "e.csv", [person(1, **{H_ID: "5.00101E+17"})], encoding="gb18030")
    batch, plan = run(clerk_a, path)
    assert [(issue.row, issue.column) for issue in plan.errors] == [(2, H_ID)]


def test_the_upload_page_takes_a_gb18030_csv(login, clerk_a, tmp_path):
    client = login(clerk_a)
    path = write_csv(tmp_path / "甘宁镇.csv", good_rows(), encoding="gb18030")
    response = client.post(
        reverse("workers:return_upload"),
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), "year": "2025", "quarter": "1"},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == ImportBatch.Status.VALIDATED, batch.errors
    client.post(reverse("workers:return_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert return_summary(batch) == summary(4, new=4)
