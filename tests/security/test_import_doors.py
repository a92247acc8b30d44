"""The import doors of the role × door table (issue 16): every role uploads a return of a new 分水镇 person
and a file of 1131 service records for the 分水镇 person, through the pages and the command; only the
township's writers (its clerk, bureau staff) get anything into the 分水镇 ledger."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from assistance.models import ServiceRecord
from tests.security.conftest import ROLES
from tests.security.test_crawl import _snapshot
from workers.models import ImportBatch, Worker
from workers.resources import ALL_HEADERS
from workers.tests.factories import make_id_number

pytestmark = pytest.mark.django_db

WRITERS = {"clerk_b", "bureau"}
SERVICE_HEADERS = ["姓名", "公民身份号码", "服务类型", "服务日期", "服务人员", "推送单位", "推送岗位", "备注"]


def _workbook(headers, rows, name) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _return_row(id_number: str) -> list:
    row = {
        "姓名": "分水新人",
        "公民身份号码": id_number,
        "户籍所在镇乡街道": "分水镇",
        "就业单位名称": "重庆分水食品有限公司",
        "就业行业": "制造业",
        "就业地点": "分水镇",
        "就业形式": "单位就业",
        "就业时间": "2026-02-15",
    }
    return [row.get(h, "") for h in ALL_HEADERS]


def test_only_the_townships_writers_import_into_its_ledger(roles, victim, township_b):
    worker = victim["worker"]
    arrived = {}
    for n, role in enumerate(ROLES):
        client = roles[role]
        before = _snapshot(township_b)
        services_before = ServiceRecord.objects.filter(worker=worker).count()
        id_number = make_id_number(date(1985, 1, n + 1))
        upload = _workbook(ALL_HEADERS, [_return_row(id_number)], f"{role}.xlsx")
        response = client.post(
            reverse("workers:return_upload"),
            {"file": upload, "year": "2026", "quarter": "1", "township": str(township_b.pk)},
        )
        assert response.status_code < 500, (role, response.status_code)
        for batch in ImportBatch.objects.filter(file_name=f"{role}.xlsx"):
            client.post(reverse("workers:return_confirm", args=[batch.pk]))
        services = _workbook(
            SERVICE_HEADERS,
            [
                [
                    worker.name,
                    worker.id_number,
                    "政策宣介",
                    f"2026-03-{n + 1:02d}",
                    "门禁测试",
                    None,
                    None,
                    None,
                ]
            ],
            f"{role}-1131.xlsx",
        )
        assert client.post(reverse("assistance:services_import"), {"file": services}).status_code < 500
        arrived[role] = (
            Worker.objects.filter(id_number=id_number).exists(),
            ServiceRecord.objects.filter(worker=worker).count() > services_before,
        )
        if role not in WRITERS:
            assert _snapshot(township_b) == before, role
    assert arrived == {role: (role in WRITERS, role in WRITERS) for role in ROLES}


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("clerk_a", False), ("industry_user", False), ("reviewer_user", False), ("clerk_b", True)],
)
def test_the_import_command_holds_the_same_rule(request, tmp_path, township_b, who, allowed):
    user = request.getfixturevalue(who)
    id_number = make_id_number(date(1986, 2, 3))
    path = tmp_path / "return.xlsx"
    path.write_bytes(_workbook(ALL_HEADERS, [_return_row(id_number)], "return.xlsx").read())
    args = [str(path), "--user", user.username, "--township", "分水镇", "--year", "2026", "--quarter", "1"]
    if allowed:
        call_command("import_return", *args)
    else:
        # A refusal ends the command with status 1 (CommandError through call_command).
        with pytest.raises((CommandError, SystemExit)):
            call_command("import_return", *args)
    assert Worker.objects.filter(id_number=id_number).exists() is allowed
