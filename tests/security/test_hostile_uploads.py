"""Hostile files through the clerk's upload page (issue 7 §5): a zip bomb, an XML entity bomb, a file
that is not a workbook, an oversized file — each refused before a row is read, after inflating at most one
chunk and under 200 MB, with a Chinese message, and the ledger unchanged."""

import resource

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

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
        "a PDF named .xlsx": (b"%PDF-1.4\n" + b"0" * 2000, ""),
    }


@pytest.mark.parametrize("kind", list(_bombs()))
def test_hostile_file_is_refused_unread_and_changes_nothing(login, clerk_a, kind):
    data, expected = _bombs()[kind]
    client = login(clerk_a)
    assert (
        client.get(reverse("workers:return_upload")).status_code == 200
    )  # warm: imports are not the file's cost
    ledger = (Worker.objects.count(), Employment.objects.count())
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with counted() as work:
        response = client.post(
            reverse("workers:return_upload"),
            {"file": SimpleUploadedFile("万州区甘宁镇2026年第一季度.xlsx", data), "year": 2026, "quarter": 1},
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
