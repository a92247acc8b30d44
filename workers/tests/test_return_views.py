"""The quarterly-return pages: upload → preview → confirm → result, downloads, board, and township scoping."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wanzhou_jobs.spreadsheets import FILE_FORMAT_UNSUPPORTED
from workers.models import Employment, ImportBatch, Worker
from workers.resources import ALL_HEADERS
from workers.tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def _return_file(rows, *, title=True) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    if title:
        ws.append(["万州区甘宁镇2025年第一季度农民工就近就业情况统计表"])
    ws.append(ALL_HEADERS)
    for row in rows:
        ws.append([row.get(h, "") for h in ALL_HEADERS])
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("甘宁镇一季度.xlsx", buffer.getvalue())


def _row(id_number, **overrides):
    row = {
        "姓名": "张三",
        "公民身份号码": id_number,
        "户籍所在镇乡街道": "甘宁镇",
        "就业单位名称": "重庆甘宁食品有限公司",
        "就业行业": "制造业",
        "就业地点": "甘宁镇",
        "就业形式": "单位就业",
        "就业时间": "2025-03-15",
        "是否返乡": "是",
        "月收入（元）": "3500",
    }
    row.update(overrides)
    return row


def _upload(client, rows, **extra):
    data = {"file": _return_file(rows), "year": "2025", "quarter": "1", **extra}
    return client.post(reverse("workers:return_upload"), data)


def test_upload_preview_confirm(login, clerk_a):
    client = login(clerk_a)
    ids = [make_id_number(date(1990, 1, d)) for d in (1, 2)]
    response = _upload(client, [_row(ids[0]), _row(ids[1], 姓名="李四")])
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "workers:return_detail", args=[batch.pk]
    )
    assert batch.status == "validated" and batch.rows_new == 2 and batch.township.name == "甘宁镇"
    assert not Employment.objects.exists()  # the preview writes nothing
    page = client.get(response["Location"]).content.decode()
    assert "确认导入（共 2 行）" in page
    client.post(reverse("workers:return_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "imported" and Employment.objects.count() == 2
    assert batch.stored_path == ""
    status = client.get(reverse("workers:return_status", args=[batch.pk])).json()
    assert status["status"] == "imported" and status["finished"]


def test_rejected_file_lists_every_error_and_offers_report(login, clerk_a):
    client = login(clerk_a)
    good = make_id_number(date(1990, 1, 1))
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    _upload(client, [_row(good), _row(bad_check, 姓名="李四", 就业时间="2099-12-01")])
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    page = client.get(reverse("workers:return_detail", args=[batch.pk])).content.decode()
    assert "公民身份号码校验位错误" in page and "不能晚于今天" in page
    assert "确认导入" not in page and not Worker.objects.exists()
    report = client.get(reverse("workers:return_errors", args=[batch.pk]))
    assert report.status_code == 200
    ws = openpyxl.load_workbook(BytesIO(report.content)).active
    messages = [ws.cell(row=r, column=ws.max_column).value for r in range(2, ws.max_row + 1)]
    assert any(m and "校验位错误" in m for m in messages)


def test_wrong_extension_is_refused_in_chinese(login, clerk_a):
    client = login(clerk_a)
    page = client.get(reverse("workers:return_upload")).content.decode()
    assert ".xlsx、.xls、.ods 或 .csv" in page and 'accept=".xlsx,.xls,.ods,.csv"' in page
    upload = SimpleUploadedFile("return.et", b"a,b\n1,2\n")
    response = client.post(reverse("workers:return_upload"), {"file": upload, "year": "2025", "quarter": "1"})
    assert response.status_code == 200 and str(FILE_FORMAT_UNSUPPORTED) in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_other_clerk_cannot_see_or_confirm(login, clerk_a, clerk_b, client):
    _upload(login(clerk_a), [_row(make_id_number())])
    batch = ImportBatch.objects.get()
    client.logout()
    other = login(clerk_b)
    assert other.get(reverse("workers:return_detail", args=[batch.pk])).status_code == 404
    assert other.get(reverse("workers:return_status", args=[batch.pk])).status_code == 404
    assert other.post(reverse("workers:return_confirm", args=[batch.pk])).status_code == 404
    assert other.get(reverse("workers:return_errors", args=[batch.pk])).status_code == 404
    assert "甘宁镇一季度" not in other.get(reverse("workers:return_list")).content.decode()
    batch.refresh_from_db()
    assert batch.status == "validated"


def test_bureau_cannot_confirm_someone_elses_upload(login, clerk_a, bureau_user, client):
    _upload(login(clerk_a), [_row(make_id_number())])
    batch = ImportBatch.objects.get()
    client.logout()
    assert login(bureau_user).post(reverse("workers:return_confirm", args=[batch.pk])).status_code == 403
    assert not Employment.objects.exists()


def test_industry_user_cannot_upload(login, industry_user):
    assert login(industry_user).get(reverse("workers:return_upload")).status_code == 403


def test_template_has_dropdowns_and_own_township(login, clerk_a):
    response = login(clerk_a).get(reverse("workers:return_template"))
    workbook = openpyxl.load_workbook(BytesIO(response.content))
    ws = workbook["季度报表"]
    headers = [c.value.rstrip("*") for c in ws[1]]
    assert headers == ALL_HEADERS
    validated = {str(dv.sqref).split(":")[0] for dv in ws.data_validations.dataValidation}
    col = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(ALL_HEADERS)}
    for header in ("户籍所在镇乡街道", "就业行业", "就业地点", "就业形式", "是否返乡"):
        assert f"{col[header]}2" in validated, header
    assert ws[f"{col['户籍所在镇乡街道']}2"].value == "甘宁镇"
    assert "填表说明" in workbook.sheetnames


def test_export_round_trips_as_unchanged(login, clerk_a):
    client = login(clerk_a)
    _upload(
        client, [_row(make_id_number(date(1990, 1, 1))), _row(make_id_number(date(1991, 1, 1)), 姓名="李四")]
    )
    client.post(reverse("workers:return_confirm", args=[ImportBatch.objects.get().pk]))
    export = client.get(reverse("workers:ledger_export"))
    assert export.status_code == 200
    upload = SimpleUploadedFile("export.xlsx", export.content)
    client.post(reverse("workers:return_upload"), {"file": upload, "year": "2025", "quarter": "1"})
    second = ImportBatch.objects.order_by("-pk").first()
    assert second.status == "validated", second.errors
    assert (second.rows_new, second.rows_unchanged, second.rows_updated) == (0, 2, 0)


def test_board_shows_submission(login, clerk_a, bureau_user, client):
    _upload(login(clerk_a), [_row(make_id_number())])
    login(clerk_a).post(reverse("workers:return_confirm", args=[ImportBatch.objects.get().pk]))
    client.logout()
    page = login(bureau_user).get(reverse("workers:returns_board") + "?year=2025").content.decode()
    assert "尚未报送" in page and "clerk_a" in page


def test_rollback_by_bureau(login, clerk_a, bureau_user, client):
    _upload(login(clerk_a), [_row(make_id_number())])
    batch = ImportBatch.objects.get()
    login(clerk_a).post(reverse("workers:return_confirm", args=[batch.pk]))
    assert login(clerk_a).get(reverse("workers:return_rollback", args=[batch.pk])).status_code == 403
    client.logout()
    bureau = login(bureau_user)
    bureau.post(reverse("workers:return_rollback", args=[batch.pk]), {"reason": "重复报送"})
    batch.refresh_from_db()
    assert batch.status == "rolled_back" and not Employment.objects.exists() and not Worker.objects.exists()


@pytest.mark.parametrize("who", ["industry_user", "reviewer_user"])
def test_read_only_roles_cannot_open_a_batch_or_its_error_report(request, login, clerk_a, client, who):
    """A batch and its error report hold the file's full ID numbers and phones: they belong to those who
    may write the township's ledger and to bureau staff (issue 16, item 1)."""
    id_number = make_id_number()
    _upload(login(clerk_a), [_row(id_number)])
    batch = ImportBatch.objects.get()
    client.logout()
    reader = login(request.getfixturevalue(who))
    for name in ("return_detail", "return_status", "return_errors"):
        assert reader.get(reverse(f"workers:{name}", args=[batch.pk])).status_code == 404, name
    listing = reader.get(reverse("workers:return_list")).content.decode()
    assert batch.file_name not in listing and reverse("workers:return_detail", args=[batch.pk]) not in listing
    assert id_number not in listing
