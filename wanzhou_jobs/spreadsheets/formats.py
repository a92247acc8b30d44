"""Which of the accepted formats an upload is — .xlsx, .xls, .ods or .csv (DESIGN.md §5) — told from its bytes, not
its name, and the file names refused outright (WPS's own formats, Numbers) with a message naming those accepted.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import IO

from .container import _member_chunks, _read_at, _zip_members
from .core import _OLE_MAGIC, _ZIP_MAGIC, FILE_CORRUPT, FILE_FORMAT_UNSUPPORTED, SpreadsheetError
from .ods import is_ods

XLSX, XLS, ODS, CSV = "xlsx", "xls", "ods", "csv"
ACCEPTED_EXTENSIONS = (".xlsx", ".xls", ".ods", ".csv")
# Binary formats that are certainly no CSV: told apart before any decoding is tried.
_OTHER_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"MZ",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x1f\x8b",
    b"{\\rtf",
    b"PK\x05\x06",  # an empty zip
    b"PK\x07\x08",
)


def check_file_name(name: str) -> None:
    """Refuse a name whose extension is not one of the accepted formats (.et, .wps, .numbers, .xlsm…)."""
    if PurePath(str(name)).suffix.lower() not in ACCEPTED_EXTENSIONS:
        raise SpreadsheetError(FILE_FORMAT_UNSUPPORTED)


def detect_format(fh: IO[bytes], size: int) -> str:
    """XLSX, XLS, ODS or CSV from the content; `SpreadsheetError` for anything else. OLE files (.xls and
    encrypted Office files alike) are XLS here: `inspect_xls` tells them apart from their directory."""
    head = _read_at(fh, 0, 8)
    if head == _OLE_MAGIC:
        return XLS
    if head.startswith(_ZIP_MAGIC):
        infos = _zip_members(fh, size)
        names = {info.filename.lower(): info for info in infos}
        mimetype = names.get("mimetype")
        ooxml = "[content_types].xml" in names or any(name.startswith("xl/") for name in names)
        if mimetype is not None and ooxml:
            raise SpreadsheetError(FILE_CORRUPT)  # both an .ods and an .xlsx: the readers would differ
        if mimetype is not None:
            if mimetype.file_size > 100:
                raise SpreadsheetError(FILE_CORRUPT)
            if is_ods(b"".join(_member_chunks(fh, size, mimetype))):
                return ODS
            raise SpreadsheetError(FILE_FORMAT_UNSUPPORTED)  # .odt, .odp, …
        if "[content_types].xml" in names and any(name.startswith("xl/") for name in names):
            return XLSX
        raise SpreadsheetError(FILE_FORMAT_UNSUPPORTED)  # .docx, .pptx, .numbers, any other zip
    if head.startswith(_OTHER_MAGIC) or head.lstrip().startswith(b"<"):
        raise SpreadsheetError(FILE_FORMAT_UNSUPPORTED)  # also HTML or XML tables some systems name .xls
    return CSV
