"""The formats of DESIGN.md §5 besides .xlsx — .xls, .ods and .csv — and the ones refused (issue 17, build item 2).

Hostile .xls and .ods files are built here byte by byte (an OLE container, BIFF8 records, an .ods zip) and each
is refused before calamine is started: the tests assert that no calamine child ran, not how long it took.
Files written by LibreOffice (`tests.libreoffice`) are read like the openpyxl file they were converted from.
"""

import struct
import zipfile
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest

from tests.libreoffice import convert
from wanzhou_jobs.spreadsheets import (
    CSV_ENCODING,
    CSV_MALFORMED,
    CSV_MIXED_ENCODING,
    CSV_NUL,
    FILE_CORRUPT,
    FILE_ENCRYPTED,
    FILE_FORMAT_UNSUPPORTED,
    FILE_FORMULAS,
    FILE_MACROS,
    FILE_TOO_MANY_CELLS,
    FILE_TOO_MANY_COLUMNS,
    FILE_TOO_MANY_ROWS,
    FILE_XML_DTD,
    FILE_ZIP_BOMB,
    OTHER_SHEETS_IGNORED,
    SpreadsheetError,
    check_file_name,
    clean_text,
    read_rows,
)
from wanzhou_jobs.spreadsheets import reading as reading_module
from wanzhou_jobs.spreadsheets.core import MAX_UNCOMPRESSED, _Limits
from wanzhou_jobs.spreadsheets.ole import inspect_xls
from wanzhou_jobs.tests.test_spreadsheets import MB, zeros_stream, zip_parts

REQUIRED = ["姓名", "公民身份号码"]
OPTIONAL = ["就业时间", "月收入（元）"]
ROWS = [
    ["姓名", "公民身份号码", "就业时间", "月收入（元）"],
    ["张三", "500101199001011234", "2025-03-15", 3500],
    ["李四", "500101199001011235", "2025/3/16", 3600.5],
    ["王五", "500101199001011236", "2025年3月17日", None],
]
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def refused(message, data, **kwargs) -> None:
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(data, required=REQUIRED, optional=OPTIONAL, **kwargs)
    assert caught.value.messages == [str(message)]


@pytest.fixture
def calamine_calls(monkeypatch) -> list[str]:
    """The sheets a calamine child was started for: a hostile file must be refused before any."""
    calls: list[str] = []
    real = reading_module._CalamineChild

    class Recording(real):
        def __init__(self, data, sheet_name):
            calls.append(sheet_name)
            super().__init__(data, sheet_name)

    monkeypatch.setattr(reading_module, "_CalamineChild", Recording)
    return calls


def values(sheet) -> list[list[str]]:
    """The rows read, as the text the checks see (numbers, dates and strings alike)."""
    return [[clean_text(row.values[name]) for name in REQUIRED + OPTIONAL] for row in sheet.rows]


EXPECTED = [
    ["张三", "500101199001011234", "2025-03-15", "3500"],
    ["李四", "500101199001011235", "2025/3/16", "3600.5"],
    ["王五", "500101199001011236", "2025年3月17日", ""],
]


# --- Building .xls files: an OLE2 container and BIFF8 records --------------------------------------------------


def ole_file(streams: dict[str, bytes], storages: tuple[str, ...] = (), *, major: int = 3) -> bytes:
    """A version-3 compound file (512-byte sectors) holding `streams` (each padded to 4,096 bytes at least, so
    none lives in the mini stream) and empty `storages`."""
    size = 512
    body, fat, entries, sector = b"", [], [], 0
    for name, content in streams.items():
        content = content.ljust(max(4096, -(-len(content) // size) * size), b"\0")
        count = len(content) // size
        fat += [sector + i + 1 for i in range(count - 1)] + [END]
        entries.append((name, 2, sector, len(content)))
        body, sector = body + content, sector + count
    entries += [(name, 1, END, 0) for name in storages]

    def entry(name: str, kind: int, start: int, length: int, child: int, right: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        head = encoded.ljust(64, b"\0") + struct.pack(
            "<HBBIII", len(encoded), kind, 1, NOSTREAM, right, child
        )
        return head + b"\0" * 36 + struct.pack("<IQ", start, length)

    directory = entry("Root Entry", 5, END, 0, 1 if entries else NOSTREAM, NOSTREAM)
    for index, (name, kind, start, length) in enumerate(entries, start=1):
        directory += entry(
            name, kind, start, length, NOSTREAM, index + 1 if index < len(entries) else NOSTREAM
        )
    directory = directory.ljust(-(-len(directory) // size) * size, b"\0")
    first_directory, count = sector, len(directory) // size
    fat += [sector + i + 1 for i in range(count - 1)] + [END]
    body, sector = body + directory, sector + count
    fat_sectors = 1
    while sector + fat_sectors > fat_sectors * 128:
        fat_sectors += 1
    fat_start = sector
    fat += [FATSECT] * fat_sectors
    fat += [FREE] * (fat_sectors * 128 - len(fat))
    body += struct.pack(f"<{len(fat)}I", *fat)
    header = OLE_MAGIC + b"\0" * 16 + struct.pack("<5H", 0x3E, major, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<9I", 0, fat_sectors, first_directory, 0, 4096, END, 0, END, 0)
    header += struct.pack(
        "<109I", *([fat_start + i for i in range(fat_sectors)] + [FREE] * (109 - fat_sectors))
    )
    return header + body


def record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def bof(*, sheet: bool = False, version: int = 0x0600) -> bytes:
    return record(0x0809, struct.pack("<HHHHII", version, 0x0010 if sheet else 0x0005, 0, 0, 0, 0))


def dimensions(last_row: int, last_col: int) -> bytes:
    return record(0x0200, struct.pack("<IIHHH", 0, last_row, 0, last_col, 0))


def number(row: int, col: int, value: float = 1.0) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, col, 0, value))


def label(row: int, col: int, text: str) -> bytes:
    return record(0x0204, struct.pack("<HHHHB", row, col, 0, len(text), 1) + text.encode("utf-16-le"))


def formula(row: int, col: int) -> bytes:
    return record(0x0006, struct.pack("<HHH8sHIH", row, col, 0, b"\0" * 8, 0, 0, 0))


def biff8(*sheets: list[bytes], globals_extra: tuple[bytes, ...] = (), kinds: tuple[int, ...] = ()) -> bytes:
    """A BIFF8 workbook stream: globals (BOF, `globals_extra`, one BOUNDSHEET a sheet, EOF), then each sheet."""
    names = [f"Sheet{index}" for index in range(1, len(sheets) + 1)]

    def boundsheet(position: int, name: str, kind: int) -> bytes:
        return record(
            0x0085, struct.pack("<IBBBB", position, 0, kind, len(name), 1) + name.encode("utf-16-le")
        )

    streams = [bof(sheet=True) + b"".join(records) + record(0x000A) for records in sheets]
    head = bof() + b"".join(globals_extra)
    boundsheets_length = sum(len(boundsheet(0, name, 0)) for name in names)
    position = len(head) + boundsheets_length + len(record(0x000A))
    boundsheets = b""
    for index, (name, stream) in enumerate(zip(names, streams, strict=True)):
        boundsheets += boundsheet(position, name, kinds[index] if index < len(kinds) else 0)
        position += len(stream)
    return head + boundsheets + record(0x000A) + b"".join(streams)


def xls(*sheets: list[bytes], **kwargs) -> bytes:
    return ole_file({"Workbook": biff8(*sheets, **kwargs)})


# --- Building .ods files ----------------------------------------------------------------------------------------

ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods_cell(value) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, int | float):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def ods_rows(rows: list[list]) -> str:
    return "".join("<table:table-row>" + "".join(map(ods_cell, row)) + "</table:table-row>" for row in rows)


def ods_file(
    *tables: str,
    mimetype: str = "application/vnd.oasis.opendocument.spreadsheet",
    extra=None,
    prolog: str = "",
    manifest_entries: str = "",
) -> bytes:
    """An .ods whose content.xml holds `tables` (each the inside of a <table:table>, named Sheet1, Sheet2…)."""
    body = "".join(
        f'<table:table table:name="Sheet{i}">{xml}</table:table>' for i, xml in enumerate(tables, 1)
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {ODS_NS} office:version="1.3">'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        f"{manifest_entries}</manifest:manifest>"
    )
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- What the file is -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["甘宁镇.xlsx", "a.XLS", "b.ods", "c.Csv", "../../etc/d.xlsx"])
def test_accepted_file_names(name):
    check_file_name(name)


@pytest.mark.parametrize(
    "name", ["报表.et", "报表.ett", "报表.wps", "报表.numbers", "报表.xlsm", "报表.txt", "报表"]
)
def test_other_file_names_are_refused_naming_the_formats_accepted(name):
    with pytest.raises(SpreadsheetError) as caught:
        check_file_name(name)
    assert caught.value.messages == [str(FILE_FORMAT_UNSUPPORTED)]
    assert all(ext in str(FILE_FORMAT_UNSUPPORTED) for ext in (".xlsx", ".xls", ".ods", ".csv"))


def _docx() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _numbers() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Index/Document.iwa", b"\0\1\2")
        archive.writestr("Metadata/Properties.plist", b"bplist00")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"%PDF-1.4\n" + b"0" * 100, id="pdf"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, id="png"),
        pytest.param(
            "<html><table><tr><td>姓名</td></tr></table></html>".encode(), id="html table named .xls"
        ),
        pytest.param(b'<?xml version="1.0"?><Workbook/>', id="Excel 2003 XML"),
        pytest.param(_docx(), id="docx"),
        pytest.param(_numbers(), id="numbers"),
        pytest.param(ods_file(ods_rows(ROWS), mimetype="application/vnd.oasis.opendocument.text"), id="odt"),
        pytest.param(ole_file({"WordDocument": b"\xec\xa5" + b"\0" * 100}), id="doc or wps"),
        pytest.param(ole_file({"Workbook": bof(version=0x0500) + record(0x000A)}), id="Excel 95 (BIFF5)"),
    ],
)
def test_files_of_other_formats_are_refused_naming_the_formats_accepted(content, calamine_calls):
    refused(FILE_FORMAT_UNSUPPORTED, content)
    assert calamine_calls == []


def test_encrypted_office_file_is_refused(calamine_calls):
    # MS-OFFCRYPTO: a password-protected .xlsx is an OLE file with these two streams.
    refused(
        FILE_ENCRYPTED,
        ole_file({"EncryptionInfo": b"\4\0\4\0" + b"\0" * 200, "EncryptedPackage": b"\1" * 5000}),
    )
    # An .xls with a password has a FILEPASS record in its globals.
    refused(FILE_ENCRYPTED, xls([number(0, 0)], globals_extra=(record(0x002F, b"\1\0" + b"\0" * 52),)))
    encrypted = (
        '<manifest:file-entry manifest:full-path="x"><manifest:encryption-data/></manifest:file-entry>'
    )
    refused(FILE_ENCRYPTED, ods_file(ods_rows(ROWS), manifest_entries=encrypted))
    assert calamine_calls == []


def test_macros_are_refused(calamine_calls):
    refused(FILE_MACROS, ole_file({"Workbook": biff8([number(0, 0)])}, storages=("_VBA_PROJECT_CUR",)))
    refused(FILE_MACROS, xls([number(0, 0)], [number(0, 0)], kinds=(0, 1)))  # an Excel 4.0 macro sheet
    refused(FILE_MACROS, ods_file(ods_rows(ROWS), extra={"Basic/Standard/Module1.xml": "<script/>"}))
    assert calamine_calls == []


# --- .xls: the OLE container ------------------------------------------------------------------------------------


def _patched(data: bytes, offset: int, fmt: str, *values) -> bytes:
    patched = bytearray(data)
    struct.pack_into(fmt, patched, offset, *values)
    return bytes(patched)


def _broken_ole_files() -> dict[str, bytes]:
    good = xls([number(0, 0)])
    fat_sector = struct.unpack_from("<I", good, 76)[0]
    fat_offset = 512 * (fat_sector + 1)
    return {
        "sector shift 2**30": _patched(good, 30, "<H", 30),
        "byte order": _patched(good, 28, "<H", 0xFEFF),
        "version 4 with 512-byte sectors": _patched(good, 26, "<H", 4),
        "4 billion FAT sectors declared": _patched(good, 44, "<I", 0xFFFFFFF0),
        "directory beyond the file": _patched(good, 48, "<I", 10_000_000),
        "FAT chain that loops": _patched(good, fat_offset, "<I", 0),
        "mini stream cutoff": _patched(good, 56, "<I", 0),
        "truncated": good[:700],
        "header only": OLE_MAGIC + b"\0" * 504,
    }


@pytest.mark.parametrize("kind", list(_broken_ole_files()))
def test_broken_ole_container_is_refused_before_calamine(kind, calamine_calls):
    refused(FILE_CORRUPT, _broken_ole_files()[kind])
    assert calamine_calls == []


def test_a_second_workbook_stream_is_refused_but_repeated_object_streams_are_not(calamine_calls):
    workbook = biff8([number(0, 0)])
    refused(FILE_CORRUPT, ole_file({"Workbook": workbook, "Book": workbook}))
    # Two embedded objects each hold a "\x01Ole" stream: legitimate, and not what calamine reads.
    limits = _Limits(MAX_UNCOMPRESSED, 100, 100, 200, row_allowance=10)
    inspection = inspect_xls(ole_file({"Workbook": workbook, "\x01Ole": b"1", "\x01ole": b"2"}), limits)
    assert (inspection.sheet.name, inspection.max_row, inspection.max_col) == ("Sheet1", 1, 1)
    assert calamine_calls == []


# --- .xls: the BIFF8 records of every sheet -------------------------------------------------------------------


def test_huge_declared_dimensions_are_refused_before_calamine_reserves_them(calamine_calls):
    # Calamine reserves rows × columns cells for what DIMENSIONS declares, before reading a cell.
    refused(str(FILE_TOO_MANY_ROWS).format(limit=100000), xls([dimensions(0xFFFFFFFF, 1), number(0, 0)]))
    refused(str(FILE_TOO_MANY_COLUMNS).format(limit=200), xls([dimensions(1, 256), number(0, 0)]))
    # Within the limits the declared area is only reserved, never filled: the cells decide.
    too_many = str(FILE_TOO_MANY_CELLS).format(rows=60000, cols=200)
    refused(too_many, xls([dimensions(60000, 200), number(0, 0), number(59999, 0), number(0, 199)]))
    # A second, hidden-away sheet is bounded too: calamine builds every sheet when it opens the file.
    refused(str(FILE_TOO_MANY_ROWS).format(limit=100000), xls([number(0, 0)], [dimensions(2_000_000, 1)]))
    refused(FILE_CORRUPT, xls([record(0x0200, struct.pack("<IIHHH", 9, 1, 0, 1, 0))]))  # first after last
    assert calamine_calls == []


def test_an_xls_declaring_a_large_area_within_the_limits_is_read(calamine_calls):
    cells = [label(0, 0, "姓名"), label(0, 1, "公民身份号码"), label(1, 0, "张三"), number(1, 1, 7)]
    sheet = read_rows(xls([dimensions(60000, 200), *cells]), required=REQUIRED)
    assert [(row.number, row.values) for row in sheet.rows] == [(2, {"姓名": "张三", "公民身份号码": 7})]
    assert calamine_calls == ["Sheet1"]


def test_cells_beyond_the_limits_are_refused(calamine_calls):
    refused(str(FILE_TOO_MANY_ROWS).format(limit=100), xls([number(0, 0), number(150, 0)]), max_rows=100)
    refused(str(FILE_TOO_MANY_COLUMNS).format(limit=200), xls([number(0, 0), number(1, 230)]))
    mulrk = record(0x00BD, struct.pack("<HH", 1, 0) + b"\0" * 6 * 250 + struct.pack("<H", 249))
    refused(str(FILE_TOO_MANY_COLUMNS).format(limit=200), xls([number(0, 0), mulrk]))
    assert calamine_calls == []


def test_shared_string_count_that_would_exhaust_calamine_is_refused(calamine_calls):
    sst = record(0x00FC, struct.pack("<II", 1, 0xFFFFFFFF) + b"\1\0\0a")
    refused(FILE_CORRUPT, xls([number(0, 0)], globals_extra=(sst,)))
    assert calamine_calls == []


def test_formulas_in_an_xls_are_refused_with_their_cells(calamine_calls):
    refused(str(FILE_FORMULAS).format(cells="B3、A5"), xls([number(0, 0), formula(2, 1), formula(4, 0)]))
    assert calamine_calls == []


def test_records_running_past_the_stream_are_refused():
    stream = biff8([number(0, 0)])
    refused(FILE_CORRUPT, ole_file({"Workbook": stream[:-3] + b"\x0a\x00\xff\x7f"}))


# --- .ods: the zip and the repeat counts of content.xml ----------------------------------------------------------


def test_ods_written_by_hand_is_read():
    sheet = read_rows(ods_file(ods_rows(ROWS), ods_rows([["说明"]])), required=REQUIRED, optional=OPTIONAL)
    assert values(sheet) == EXPECTED
    assert sheet.sheet_name == "Sheet1"
    assert sheet.warnings == [str(OTHER_SHEETS_IGNORED).format(sheet="Sheet1", sheets="“Sheet2”")]


def _hostile_ods() -> dict[str, tuple[bytes, str]]:
    header = ods_rows([REQUIRED])
    value = (
        '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
    )
    rows_limit = str(FILE_TOO_MANY_ROWS).format(limit=100000)
    return {
        # 800 bytes that ask calamine for 16,384 × 1,000,000 cells (it aborts after 2 GB and 10 s).
        "a value repeated over the whole grid": (
            ods_file(
                header
                + '<table:table-row table:number-rows-repeated="1000000">'
                + value.replace(
                    "<table:table-cell ", '<table:table-cell table:number-columns-repeated="16384" '
                )
                + "</table:table-row>"
            ),
            rows_limit,
        ),
        "a value repeated across 16,384 columns": (
            ods_file(
                header
                + "<table:table-row>"
                + value.replace(
                    "<table:table-cell ", '<table:table-cell table:number-columns-repeated="16384" '
                )
                + "</table:table-row>"
            ),
            str(FILE_TOO_MANY_COLUMNS).format(limit=200),
        ),
        "a value below a million empty rows": (
            ods_file(
                header
                + '<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>'
                + f"<table:table-row>{value}</table:table-row>"
            ),
            rows_limit,
        ),
        "more empty rows than a sheet has": (
            ods_file(
                header
                + '<table:table-row table:number-rows-repeated="4294967295"><table:table-cell/></table:table-row>'
            ),
            str(FILE_CORRUPT),
        ),
        # One cell whose text expands to 1.5 billion spaces (calamine aborts after 3 GB and 19 s).
        "a space repeated 1.5 billion times": (
            ods_file(
                header + '<table:table-row><table:table-cell office:value-type="string">'
                '<text:p>a<text:s text:c="1500000000"/></text:p></table:table-cell></table:table-row>'
            ),
            str(FILE_CORRUPT),
        ),
        "a second sheet that is the bomb": (
            ods_file(
                header,
                '<table:table-row table:number-rows-repeated="200000">' + value + "</table:table-row>",
            ),
            rows_limit,
        ),
        "a table inside a table": (
            ods_file(header + '<table:table table:name="x"></table:table>'),
            str(FILE_CORRUPT),
        ),
        "an .ods that is also an .xlsx": (
            ods_file(header, extra={"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}),
            str(FILE_CORRUPT),
        ),
        "a formula": (
            ods_file(
                header
                + '<table:table-row><table:table-cell table:formula="of:=1+1" office:value-type="float" '
                'office:value="2"/></table:table-row>'
            ),
            str(FILE_FORMULAS).format(cells="A2"),
        ),
        "an entity in content.xml": (
            ods_file(header, prolog='<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'),
            str(FILE_XML_DTD),
        ),
    }


@pytest.mark.parametrize("kind", list(_hostile_ods()))
def test_hostile_ods_is_refused_before_calamine(kind, calamine_calls):
    data, message = _hostile_ods()[kind]
    assert len(data) < 5000
    refused(message, data)
    assert calamine_calls == []


def test_ods_whose_verbose_xml_inflates_more_than_100_to_1_is_read():
    # LibreOffice spells out every styled cell: 5,000 template rows holding only a township inflate 210:1,
    # more than an .xlsx part may (Apache POI's 100:1); the total inflated size is what bounds an .ods.
    prefilled = (
        '<table:table-row table:style-name="ro1"><table:table-cell table:style-name="ce1"/>'
        '<table:table-cell table:style-name="ce2" office:value-type="string"><text:p>甘宁镇</text:p>'
        '</table:table-cell><table:table-cell table:style-name="ce1" table:number-columns-repeated="13"/>'
        "</table:table-row>"
    )
    data = ods_file(ods_rows(ROWS) + prefilled * 5000)
    content = zipfile.ZipFile(BytesIO(data)).getinfo("content.xml")
    assert content.file_size > 1 * MB and content.file_size > 200 * content.compress_size
    sheet = read_rows(data, required=REQUIRED, optional=OPTIONAL, blank_values={"公民身份号码": ["甘宁镇"]})
    assert values(sheet) == EXPECTED


def test_ods_zip_bomb_is_refused_by_the_same_bounds_as_an_xlsx(calamine_calls):
    mimetype = {"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}
    for declared in (300 * MB, 2000):  # declared honestly, and lying about its size
        refused(FILE_ZIP_BOMB, zip_parts(mimetype, raw={"content.xml": (zeros_stream(300), 0, declared)}))
    assert calamine_calls == []


# --- CSV ------------------------------------------------------------------------------------------------------


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", delimiter: str = ",", bom: bool = False) -> bytes:
    lines = [delimiter.join("" if v is None else str(v) for v in row) for row in rows]
    data = "\r\n".join(lines).encode(encoding) + b"\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + data


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter"),
    [
        ("utf-8", True, ","),
        ("utf-8", False, ","),
        ("gb18030", False, ","),
        ("gbk", False, "\t"),
        ("utf-8", False, ";"),
    ],
)
def test_csv_in_each_encoding_and_delimiter(encoding, bom, delimiter, calamine_calls):
    sheet = read_rows(
        csv_bytes(ROWS, encoding=encoding, bom=bom, delimiter=delimiter), required=REQUIRED, optional=OPTIONAL
    )
    assert values(sheet) == EXPECTED
    assert [row.number for row in sheet.rows] == [2, 3, 4]
    assert calamine_calls == []  # a CSV needs no child process


def test_csv_quoted_fields_title_rows_and_blank_lines():
    text = (
        "万州区甘宁镇2025年第一季度,,,\n,,,\n"
        '姓名,公民身份号码,就业时间,月收入（元）\n"张,三",500101199001011234,2025-03-15,"3,500"\n\n'
        '"李\n四",500101199001011235,2025-03-16,\n'
    )
    sheet = read_rows(text.encode("gb18030"), required=REQUIRED, optional=OPTIONAL)
    assert sheet.header_row == 3
    assert [(row.number, row.values["姓名"], row.values["月收入（元）"]) for row in sheet.rows] == [
        (4, "张,三", "3,500"),
        (6, "李\n四", None),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(csv_bytes(ROWS) + b"\x00\r\n", str(CSV_NUL), id="NUL byte"),
        pytest.param("姓名,公民身份号码\n".encode("utf-16"), str(CSV_ENCODING), id="UTF-16"),
        pytest.param(
            csv_bytes(ROWS[:2], encoding="gbk") + csv_bytes(ROWS[2:3]),
            str(CSV_MIXED_ENCODING).format(line=3),
            id="GBK lines, then a UTF-8 line",
        ),
        pytest.param(
            csv_bytes(ROWS[:2]) + csv_bytes(ROWS[2:3], encoding="gbk"),
            str(CSV_MIXED_ENCODING).format(line=1),
            id="UTF-8 lines, then a GBK line",
        ),
        pytest.param(
            csv_bytes(ROWS, encoding="gbk") + b"\x81\x30\xff\xff\r\n",
            str(CSV_ENCODING),
            id="neither UTF-8 nor GB18030",
        ),
        pytest.param(
            csv_bytes(ROWS) + '"王六"x,1\r\n'.encode(), str(CSV_MALFORMED).format(line=5), id="bad quote"
        ),
    ],
)
def test_csv_that_is_not_clean_text_is_refused(data, message):
    refused(message, data)


def test_csv_bounds_are_those_of_a_workbook():
    tall = csv_bytes([REQUIRED] + [["张三", str(n)] for n in range(150)])
    refused(str(FILE_TOO_MANY_ROWS).format(limit=100), tall, max_rows=100)
    wide = csv_bytes([REQUIRED, ["张三", "1"] + ["x"] * 250])
    refused(str(FILE_TOO_MANY_COLUMNS).format(limit=200), wide)


def test_csv_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as out:
        out.truncate(25 * 1024 * 1024)  # sparse: 25 MB of NULs that no test has to write
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(path, required=REQUIRED)
    assert caught.value.messages == ["文件超过 20 MB 的上限，请拆分后上传"]


# --- Files written by LibreOffice --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def libreoffice_files(tmp_path_factory) -> dict[str, Path]:
    """ROWS saved by openpyxl (with a date and a number cell), then by LibreOffice as .xls, .ods and .xlsx."""
    source_dir = tmp_path_factory.mktemp("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "季度报表"
    for row in ROWS:
        sheet.append(row)
    sheet["C3"] = datetime(2025, 3, 16)
    sheet["C3"].number_format = "yyyy-mm-dd"
    workbook.create_sheet("说明")["A1"] = "填表说明"
    source = source_dir / "季度报表.xlsx"
    workbook.save(source)
    files = {"openpyxl": source}
    for extension in ("xls", "ods", "xlsx"):
        (files[extension],) = convert([source], extension, tmp_path_factory.mktemp(f"lo-{extension}"))
    return files


@pytest.mark.parametrize("kind", ["xls", "ods", "xlsx"])
def test_files_written_by_libreoffice_read_like_the_original(libreoffice_files, kind, calamine_calls):
    original = read_rows(libreoffice_files["openpyxl"], required=REQUIRED, optional=OPTIONAL)
    calamine_calls.clear()
    sheet = read_rows(libreoffice_files[kind], required=REQUIRED, optional=OPTIONAL)
    assert values(sheet) == values(original)
    assert values(sheet)[1][2] == "2025-03-16"  # a date cell stays a date
    assert [row.number for row in sheet.rows] == [2, 3, 4]
    assert sheet.sheet_name == "季度报表"
    assert sheet.warnings == original.warnings  # the other sheet, named the same way
    assert calamine_calls == ["季度报表"]
    assert isinstance(sheet.rows[1].values["就业时间"], date)
