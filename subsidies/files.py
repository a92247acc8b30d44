"""Attachment files: the type is decided by the content (magic bytes), never by the name or the browser.

Accepted: PDF (`%PDF-`), PNG (`\\x89PNG\\r\\n\\x1a\\n`), JPEG (`\\xff\\xd8\\xff`), up to
`settings.SUBSIDY_ATTACHMENT_MAX_BYTES`. Files are stored under a random name in
`settings.SUBSIDY_ATTACHMENT_ROOT`, outside the web root, and served only by the scoped download view
(THREATS.md E4, F10–F12). The name the user gave is kept only for display and download, after refusing
path separators, `..`, control and bidirectional-override characters.
"""

import contextlib
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FILE_EMPTY = _("附件是空文件，请重新选择。")
FILE_TOO_LARGE = _("附件超过 {limit} MB 的上限，请压缩或拆分后上传。")
FILE_TYPE = _("附件只能是 PDF、JPEG 或 PNG 文件（按文件内容判断，改扩展名无效）。")
FILE_EXTENSION_MISMATCH = _("附件的扩展名与内容不符：内容是 {detected} 文件，请使用正确的扩展名。")
FILE_NAME_INVALID = _("附件文件名不能包含路径、“..”、控制字符或方向控制字符，请改名后上传。")
FILE_NAME_TOO_LONG = _("附件文件名过长（不超过 100 个字符），请改名后上传。")

_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", "jpg", (".jpg", ".jpeg")),
)
_LABELS = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
MAX_NAME_LENGTH = 100


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    extension: str
    name: str
    sha256: str


def attachment_root() -> Path:
    return Path(settings.SUBSIDY_ATTACHMENT_ROOT)


def clean_file_name(name: str) -> str:
    text = unicodedata.normalize("NFC", str(name or "")).strip()
    if not text or "/" in text or "\\" in text or ".." in text or text.startswith("."):
        raise ValidationError(FILE_NAME_INVALID, code="name")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in text):
        raise ValidationError(FILE_NAME_INVALID, code="name")
    if len(text) > MAX_NAME_LENGTH:
        raise ValidationError(FILE_NAME_TOO_LONG, code="name")
    return text


def read_limited(file_obj, limit: int) -> bytes:
    """Read at most `limit` bytes; one byte more means the file is too large (whatever its declared size)."""
    if hasattr(file_obj, "seek"):
        file_obj.seek(0)
    data = file_obj.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(FILE_TOO_LARGE.format(limit=max(limit // (1024 * 1024), 1)), code="size")
    return data


def check_file(file_obj, file_name: str) -> CheckedFile:
    name = clean_file_name(file_name)
    data = read_limited(file_obj, settings.SUBSIDY_ATTACHMENT_MAX_BYTES)
    if not data:
        raise ValidationError(FILE_EMPTY, code="empty")
    for magic, content_type, extension, extensions in _SIGNATURES:
        if data.startswith(magic):
            if not name.lower().endswith(extensions):
                raise ValidationError(
                    FILE_EXTENSION_MISMATCH.format(detected=_LABELS[content_type]), code="extension"
                )
            return CheckedFile(data, content_type, extension, name, hashlib.sha256(data).hexdigest())
    raise ValidationError(FILE_TYPE, code="type")


def store(checked: CheckedFile) -> str:
    """Write the bytes under a fresh random name; return that name (never a path the user chose)."""
    root = attachment_root()
    root.mkdir(parents=True, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}.{checked.extension}"
    path = root / stored_name
    with path.open("xb") as handle:
        handle.write(checked.data)
    return stored_name


def path_of(stored_name: str) -> Path:
    root = attachment_root().resolve()
    path = (root / stored_name).resolve()
    if path.parent != root:
        raise ValidationError(FILE_NAME_INVALID)
    return path


def remove(stored_name: str) -> None:
    with contextlib.suppress(OSError, ValidationError):
        path_of(stored_name).unlink(missing_ok=True)
