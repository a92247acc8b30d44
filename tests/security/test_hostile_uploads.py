"""Hostile files through the clerk's upload page (issue 7 §5, issue 17): a zip bomb, an XML entity bomb, a file
that is not a workbook, an oversized file, and the same for every format accepted — an .xls declaring a
billion rows or with a broken OLE header, an .ods asking for the whole grid, a CSV with a NUL byte or two
encodings, a CSV of 200 MB — each refused before a row is read, after inflating at most one chunk and under
200 MB, with a Chinese message, and the ledger unchanged."""

import io
import resource

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from wanzhou_jobs.spreadsheets import (
    CSV_MIXED_ENCODING,
    CSV_NUL,
    FILE_CORRUPT,
    FILE_FORMAT_UNSUPPORTED,
    FILE_TOO_MANY_ROWS,
)
from wanzhou_jobs.tests.test_formats import dimensions, number, ods_file, ods_rows, xls
from wanzhou_jobs.tests.test_spreadsheets import (
    BILLION_LAUGHS,
    REQUIRED,
    counted,
    table,
    worksheet,
    xlsx,
    zeros_stream,
)
from workers.models import Employment, ImportBatch, Worker
from workers.returns import return_upload

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def _bombs():
    return {
        "zip bomb (300 MB of zeros declared honestly)": (
            xlsx(None, raw={"xl/worksheets/sheet1.xml": (zeros_stream(300), 0, 300 * MB)}),
            "压缩",
        ),
        "zip bomb lying about its size": (
            xlsx(None, raw={"xl/worksheets/sheet1.xml": (zeros_stream(300), 0, 2000)}),
            "压缩",
        ),
        "billion laughs": (
            xlsx(worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared_strings=BILLION_LAUGHS),
            "",
        ),
        "XXE": (
            xlsx(
                worksheet(
                    table([REQUIRED, ["&xxe;", "1"]]).replace("&amp;xxe;", "&xxe;"),
                    prolog='<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
                )
            ),
            "",
        ),
        "a PDF named .xlsx": (b"%PDF-1.4\n" + b"0" * 2000, str(FILE_FORMAT_UNSUPPORTED)),
        "an .xls declaring 4 billion rows": (
            (xls([dimensions(0xFFFFFFFF, 4), number(0, 0)]), "甘宁镇.xls"),
            str(FILE_TOO_MANY_ROWS).format(limit=100000),
        ),
        "an .xls with a broken OLE header": (
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 4000, "甘宁镇.xls"),
            str(FILE_CORRUPT),
        ),
        "an .ods asking for the whole grid": (
            (
                ods_file(
                    ods_rows([REQUIRED])
                    + '<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
                    'table:number-columns-repeated="16384" office:value-type="float" office:value="1"/>'
                    "</table:table-row>"
                ),
                "甘宁镇.ods",
            ),
            str(FILE_TOO_MANY_ROWS).format(limit=100000),
        ),
        "a CSV with a NUL byte": (("姓名,公民身份号码\n张三,1\x00\n".encode(), "甘宁镇.csv"), str(CSV_NUL)),
        "a CSV in two encodings": (
            ("姓名,公民身份号码\n".encode("gbk") + "张三丰,1\n".encode(), "甘宁镇.csv"),
            str(CSV_MIXED_ENCODING).format(line=2),
        ),
    }


@pytest.mark.parametrize("kind", list(_bombs()))
def test_hostile_file_is_refused_unread_and_changes_nothing(login, clerk_a, kind):
    data, expected = _bombs()[kind]
    data, name = data if isinstance(data, tuple) else (data, "万州区甘宁镇2026年第一季度.xlsx")
    client = login(clerk_a)
    assert (
        client.get(reverse("workers:return_upload")).status_code == 200
    )  # warm: imports are not the file's cost
    ledger = (Worker.objects.count(), Employment.objects.count())
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with counted() as work:
        response = client.post(
            reverse("workers:return_upload"),
            {"file": SimpleUploadedFile(name, data), "year": 2026, "quarter": 1},
            follow=True,
        )
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb) / 1024
    # The bombs hold 300 MB: the checks stop inside the first 1 MB chunk, and no reader sees a row.
    assert work.inflated <= 2 * MB and work.rows == 0, f"{kind}: {work}"
    assert grown_mb < 200, f"{kind}: {grown_mb:.0f} MB"
    body = response.content.decode()
    assert response.status_code == 200
    assert "Traceback" not in body and "root:x:0" not in body
    assert expected in body
    batch = ImportBatch.objects.order_by("-pk").first()
    assert batch is None or batch.status == ImportBatch.Status.REJECTED
    if batch is not None:
        assert batch.errors and all("message" in e for e in batch.errors)
    assert (Worker.objects.count(), Employment.objects.count()) == ledger


@override_settings(UPLOAD_MAX_BYTES=64 * 1024)
def test_oversized_file_is_refused_with_the_limit_named(login, clerk_a):
    response = login(clerk_a).post(
        reverse("workers:return_upload"),
        {
            "file": SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\0" * (100 * 1024)),
            "year": 2026,
            "quarter": 1,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "MB" in body or "大小" in body
    assert ImportBatch.objects.count() == 0


class _EndlessCsv(io.RawIOBase):
    """A CSV of `size` bytes made up as it is read, so no test writes it: a header, then the same row."""

    def __init__(self, size: int):
        self.size, self.given = size, 0
        self.line = "张三,500101199001011234,甘宁镇,万州某公司,制造业,甘宁镇,单位就业,2025-03-15\n".encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.given)
        chunk = (self.line * (count // len(self.line) + 1))[:count]
        buffer[:count] = chunk
        self.given += count
        return count


def test_a_csv_of_200_mb_is_refused_after_the_limit_not_after_the_file(clerk_a, settings, tmp_path):
    """The size limit stops the upload once it is passed: at most one read beyond it, nothing stored."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    endless = _EndlessCsv(200 * MB)
    with pytest.raises(ValidationError) as caught:
        return_upload(acting_user=clerk_a, file_obj=endless, file_name="甘宁镇.csv", year=2026, quarter=1)
    assert "20 MB" in caught.value.messages[0]
    assert endless.given <= settings.UPLOAD_MAX_BYTES + 65536
    assert ImportBatch.objects.count() == 0
    assert list((tmp_path / "private" / "returns").iterdir()) == []
