"""Attachments: type by content, size limit, safe names, stored outside the web root under a random name."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from subsidies import files, services
from subsidies.models import Attachment, Status

from .conftest import entrepreneur, startup_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture
def draft(kinds, clerk_a, household_a, township_a):
    worker, job = entrepreneur(township_a, household_a)
    return services.application_create(acting_user=clerk_a, data=startup_data(kinds, worker, job, 1000))


def add(user, application, data, name):
    return services.attachment_add(
        acting_user=user, application=application, file_obj=BytesIO(data), file_name=name
    )


@pytest.mark.parametrize(
    "data, name, content_type",
    [(PDF, "a.pdf", "application/pdf"), (PNG, "a.PNG", "image/png"), (JPEG, "照片.jpeg", "image/jpeg")],
)
def test_accepted_types_are_stored_outside_the_web_root(draft, clerk_a, data, name, content_type):
    attachment = add(clerk_a, draft, data, name)
    assert attachment.content_type == content_type and attachment.original_name == name
    path = files.path_of(attachment.stored_name)
    assert path.read_bytes() == data
    assert path.parent == Path(settings.SUBSIDY_ATTACHMENT_ROOT).resolve()
    assert re.fullmatch(r"[0-9a-f]{32}\.(pdf|png|jpg)", attachment.stored_name)  # random, never the user's
    static_roots = [
        Path(settings.STATIC_ROOT).resolve(),
        *(Path(p).resolve() for p in settings.STATICFILES_DIRS),
    ]
    assert not any(root in path.parents for root in static_roots)


@pytest.mark.parametrize(
    "data, name, message",
    [
        (EXE, "营业执照.pdf", "附件只能是 PDF、JPEG 或 PNG 文件（按文件内容判断，改扩展名无效）。"),
        (
            b"<html><script>alert(1)</script></html>",
            "a.png",
            "附件只能是 PDF、JPEG 或 PNG 文件（按文件内容判断，改扩展名无效）。",
        ),
        (PDF, "证明.exe", "附件的扩展名与内容不符：内容是 PDF 文件，请使用正确的扩展名。"),
        (PNG, "a.pdf", "附件的扩展名与内容不符：内容是 PNG 文件，请使用正确的扩展名。"),
        (b"", "a.pdf", "附件是空文件，请重新选择。"),
        (PDF, "../../etc/passwd.pdf", "附件文件名不能包含路径、“..”、控制字符或方向控制字符，请改名后上传。"),
        (PDF, "..\\..\\boot.pdf", "附件文件名不能包含路径、“..”、控制字符或方向控制字符，请改名后上传。"),
        (
            PDF,
            "invoice\u202efdp.exe.pdf",
            "附件文件名不能包含路径、“..”、控制字符或方向控制字符，请改名后上传。",
        ),
        (PDF, "a" * 120 + ".pdf", "附件文件名过长（不超过 100 个字符），请改名后上传。"),
    ],
    ids=[
        "renamed-exe",
        "html-as-png",
        "pdf-named-exe",
        "png-named-pdf",
        "empty",
        "traversal",
        "backslash",
        "rtl",
        "long",
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(draft, clerk_a, data, name, message):
    with pytest.raises(ValidationError) as info:
        add(clerk_a, draft, data, name)
    assert info.value.messages == [message]
    assert not Attachment.objects.exists()
    root = Path(settings.SUBSIDY_ATTACHMENT_ROOT)
    assert not root.exists() or not any(root.iterdir())


def test_oversized_file_is_refused(draft, clerk_a, settings):
    settings.SUBSIDY_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as info:
        add(clerk_a, draft, big, "big.pdf")
    assert info.value.messages == ["附件超过 1 MB 的上限，请压缩或拆分后上传。"]
    assert not Attachment.objects.exists()
    # Exactly at the limit is accepted.
    add(clerk_a, draft, PDF + b"0" * (1024 * 1024 - len(PDF)), "limit.pdf")


def test_upload_page_shows_the_refusal(login, draft, clerk_a):
    upload = SimpleUploadedFile("setup.pdf", EXE, content_type="application/pdf")
    response = login(clerk_a).post(
        reverse("subsidies:attachment_upload", args=[draft.pk]), {"file": upload}, follow=True
    )
    assert "按文件内容判断" in response.content.decode()
    assert not Attachment.objects.exists()


def test_no_uploads_after_township_review_and_no_deletes_after_submission(draft, clerk_a, clerk_a2):
    attachment = add(clerk_a, draft, PDF, "a.pdf")
    services.application_submit(acting_user=clerk_a, application=draft)
    add(clerk_a, draft, PNG, "b.png")  # still allowed while submitted
    with pytest.raises(ValidationError, match="只有草稿状态的申请可以删除附件"):
        services.attachment_delete(acting_user=clerk_a, attachment=attachment)
    services.application_township_approve(acting_user=clerk_a2, application=draft)
    draft.refresh_from_db()
    assert draft.status == Status.TOWNSHIP_APPROVED
    with pytest.raises(ValidationError, match="只有草稿或已提交的申请可以上传附件"):
        add(clerk_a, draft, PDF, "c.pdf")
    assert draft.attachments.count() == 2


def test_other_township_clerk_cannot_upload(draft, clerk_b):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        add(clerk_b, draft, PDF, "a.pdf")
    assert not Attachment.objects.exists()


def test_download_is_audited(login, draft, clerk_a):
    from auditlog.models import LogEntry

    attachment = add(clerk_a, draft, PDF, "a.pdf")
    login(clerk_a).get(reverse("subsidies:attachment", args=[attachment.pk]))
    entry = LogEntry.objects.filter(additional_data__event="attachment_download").get()
    assert entry.actor == clerk_a and entry.object_pk == str(attachment.pk)
