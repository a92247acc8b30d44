"""The blank template, downloaded, filled in part and uploaded as a clerk would (issue 17, build item 1;
DESIGN.md §5): rows that hold nothing but what the template pre-fills, or only spaces, are empty rows —
skipped, not errors, not counted in "共 N 行".

Everything goes through the pages: the template through `workers:return_template`, the file through the
upload page (validation) and the confirm button (import).
"""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.libreoffice import convert
from workers import resources as R
from workers.models import Employment, ImportBatch
from workers.returns import return_summary
from workers.tests.factories import make_id_number

pytestmark = pytest.mark.django_db

FILLED = 30


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def filled_values(n: int) -> dict[str, object]:
    """Row n of the clerk's entries: every column but the pre-filled township."""
    return {
        R.H_NAME: "张" + "伟芳娜敏静丽强磊军洋"[n % 10] + "勇艳杰娟涛明超秀霞平"[n // 10],
        R.H_ID: make_id_number(date(1970 + n, 1 + n % 12, 1 + n % 28)),
        R.H_PHONE: f"139{n:08d}",
        R.H_VILLAGE: "永胜村",
        R.H_EMPLOYER: "重庆甘宁食品有限公司",
        R.H_INDUSTRY: "制造业",
        R.H_WORKPLACE: "甘宁镇",
        R.H_FORM: "单位就业",
        R.H_START: date(2025, 3, 1 + n % 28),
        R.H_RETURNEE: "否",
        R.H_INCOME: 3000 + n,
    }


def download_template(client) -> openpyxl.Workbook:
    response = client.get(reverse("workers:return_template"))
    assert response.status_code == 200
    return openpyxl.load_workbook(BytesIO(response.content))


def columns_of(ws) -> dict[str, int]:
    """Header (without the template's `*`) → 1-based column."""
    return {str(cell.value).rstrip("*"): cell.column for cell in ws[1] if cell.value}


def fill(workbook: openpyxl.Workbook, rows: dict[int, dict[str, object]]) -> bytes:
    ws = workbook["季度报表"]
    columns = columns_of(ws)
    for number, values in rows.items():
        for header, value in values.items():
            ws.cell(row=number, column=columns[header], value=value)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "季度报表模板-甘宁镇.xlsx") -> ImportBatch:
    response = client.post(
        reverse("workers:return_upload"),
        {"file": SimpleUploadedFile(name, content), "year": "2025", "quarter": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.order_by("-pk").first()


def test_the_template_prefills_the_clerks_township_in_every_row(login, clerk_a, township_a):
    ws = download_template(login(clerk_a))["季度报表"]
    column = columns_of(ws)[R.H_TOWNSHIP]
    prefilled = R.template_prefill(township=township_a)
    assert prefilled == {R.H_TOWNSHIP: "甘宁镇"}
    values = [ws.cell(row=n, column=column).value for n in range(2, R.TEMPLATE_LAST_ROW + 1)]
    assert set(values) == {"甘宁镇"} and len(values) == R.TEMPLATE_LAST_ROW - 1
    assert ws.cell(row=R.TEMPLATE_LAST_ROW + 1, column=column).value is None


def test_the_help_sheet_names_the_formats_accepted(login, clerk_a):
    help_rows = [row[:3] for row in download_template(login(clerk_a))["填表说明"].iter_rows(values_only=True)]
    assert ("文件格式", None, R.FORMATS_HELP) in help_rows
    assert all(extension in R.FORMATS_HELP for extension in R.ACCEPTED_EXTENSIONS)


def test_the_help_sheet_lists_the_other_wordings_of_each_header(login, clerk_a):
    rows = download_template(login(clerk_a))["填表说明"].iter_rows(values_only=True)
    wordings = {row[0]: row[3] for row in rows if row and row[0] in R.ALL_HEADERS}
    assert wordings[R.H_ID] == "身份证号、身份证号码、公民身份证号码、证件号码"
    assert {header for header, text in wordings.items() if text} == set(R.HEADER_ALIASES)


def test_template_filled_in_part_imports_the_filled_rows(login, clerk_a):
    client = login(clerk_a)
    before = Employment.objects.count()
    content = fill(download_template(client), {n + 2: filled_values(n) for n in range(FILLED)})

    batch = upload(client, content)

    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors[:5]
    assert batch.errors == []
    assert (batch.rows_total, batch.rows_new) == (FILLED, FILLED)
    page = client.get(reverse("workers:return_detail", args=[batch.pk])).content.decode()
    assert f"确认导入（共 {FILLED} 行）" in page
    client.post(reverse("workers:return_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED
    assert return_summary(batch) == f"共 {FILLED} 行：新增 {FILLED}，未变化 0，更新 0，有错误 0。"
    assert Employment.objects.count() == before + FILLED
    assert set(Employment.objects.values_list("worker__township__name", flat=True)) == {"甘宁镇"}


def test_a_planted_error_is_reported_at_its_row_and_column_only(login, clerk_a):
    client = login(clerk_a)
    rows = {n + 2: filled_values(n) for n in range(FILLED)}
    rows[17][R.H_INDUSTRY] = "造船业"
    content = fill(download_template(client), rows)

    batch = upload(client, content)

    assert batch.status == ImportBatch.Status.REJECTED
    assert [(e["row"], e["column"]) for e in batch.errors] == [(17, R.H_INDUSTRY)]
    assert batch.errors[0]["message"] == str(R.UNKNOWN_INDUSTRY).format(value="造船业")
    assert (batch.rows_total, batch.rows_rejected) == (FILLED, 1)
    assert not Employment.objects.filter(import_batch_id=batch.pk).exists()
    report = client.get(reverse("workers:return_errors", args=[batch.pk]))
    rows = list(openpyxl.load_workbook(BytesIO(report.content)).active.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == list(range(2, FILLED + 2))  # the filled rows, not the template's 5,000
    assert [row[-1] for row in rows if row[-1]] == [batch.errors[0]["message"]]


def test_rows_of_spaces_or_only_prefilled_values_are_empty(login, clerk_a):
    """Spaces (ASCII and full-width) in an untouched row, a row whose township was picked again from the
    dropdown, a row left between filled ones: none is a row; a row with one real value is."""
    client = login(clerk_a)
    rows = {2: filled_values(0), 4: filled_values(1)}
    rows[3] = {R.H_NAME: "  ", R.H_PHONE: "\u3000", R.H_TOWNSHIP: " 甘宁镇 "}
    rows[6] = {R.H_TOWNSHIP: "甘宁镇"}
    content = fill(download_template(client), rows)

    batch = upload(client, content)

    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert batch.rows_total == 2

    rows[9] = {R.H_EMPLOYER: "万州某某公司"}  # a real value: a row, with the missing cells named
    batch = upload(client, fill(download_template(client), rows))

    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.rows_total == 3
    assert {e["row"] for e in batch.errors} == {9}
    assert (9, R.H_NAME) in [(e["row"], e["column"]) for e in batch.errors]


def test_bureau_template_has_no_prefill_and_reads_a_clerks_template(login, clerk_a, bureau_user, township_a):
    """The bureau's copy pre-fills nothing; a clerk's copy uploaded by the bureau still has empty rows."""
    ws = download_template(login(bureau_user))["季度报表"]
    assert ws.cell(row=2, column=columns_of(ws)[R.H_TOWNSHIP]).value is None
    assert R.template_prefill(township=None) == {}

    content = fill(download_template(login(clerk_a)), {2: filled_values(0)})
    client = login(bureau_user)
    response = client.post(
        reverse("workers:return_upload"),
        {
            "file": SimpleUploadedFile("t.xlsx", content),
            "year": "2025",
            "quarter": "1",
            "township": str(township_a.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.order_by("-pk").first()
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert batch.rows_total == 1


@pytest.mark.parametrize("extension", ["xls", "ods"])
def test_template_filled_in_part_and_saved_by_libreoffice_imports_the_filled_rows(
    login, clerk_a, tmp_path, extension
):
    """The same filled template, saved again by LibreOffice (as a clerk with WPS or LibreOffice would)."""
    client = login(clerk_a)
    rows = {n + 2: filled_values(n) for n in range(FILLED)}
    rows[17][R.H_INDUSTRY] = "造船业"
    source = tmp_path / "季度报表模板-甘宁镇.xlsx"
    source.write_bytes(fill(download_template(client), rows))
    (converted,) = convert([source], extension, tmp_path / "libreoffice")

    batch = upload(client, converted.read_bytes(), name=converted.name)

    assert [(e["row"], e["column"]) for e in batch.errors] == [(17, R.H_INDUSTRY)]
    assert (batch.rows_total, batch.rows_rejected) == (FILLED, 1)
