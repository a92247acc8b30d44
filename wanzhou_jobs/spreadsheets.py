"""Reading untrusted .xlsx uploads safely, and writing .xlsx/.csv exports that cannot run formulas.

Sources: DESIGN.md §5 (the quarterly-return Excel contract), THREATS.md F1–F17 (hostile uploads) and
E5–E7 (formula injection in exports). The module knows nothing about the domain's columns: callers
pass the header names they need and map `Row.values` themselves.

Reading happens in two stages. `inspect_xlsx` looks at the bytes and the zip container before any XML
parser sees them: size, magic bytes, macros, the declared *and* the actually inflated size of every
zip member, DTDs, and - by scanning the first worksheet's XML with regular expressions - where the
cells really are, because `<dimension ref>` lies (F5, F6). Only then does `read_rows` hand the file to
a parser: python-calamine (Rust, an order of magnitude faster than openpyxl), in a child process with
a memory limit, when the inspected cell area fits its dense in-memory grid; else openpyxl in read-only
mode with `reset_dimensions()`. Calamine tries its xls, xlsx, xlsb and ods readers in turn, so the
inspection also refuses parts that only the xlsb or ods reader would open.

Every failure of a hostile or broken file becomes a `SpreadsheetError` with one of the messages below;
library exceptions never reach the caller, and the log records only their type, never file content.
"""

from __future__ import annotations

import io
import logging
import math
import os
import pickle
import posixpath
import re
import struct
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import openpyxl
from defusedxml import ElementTree as SafeElementTree
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

logger = logging.getLogger(__name__)

# --- Messages a clerk reads --------------------------------------------------------------------------
FILE_EMPTY = _("文件是空的，请重新选择文件")
FILE_TOO_LARGE = _("文件超过 {limit} MB 的上限，请拆分后上传")
FILE_LEGACY_XLS = _("这是旧版 .xls 文件，请在 Excel 或 WPS 中另存为 .xlsx 后上传")
FILE_ENCRYPTED = _("文件设置了密码，请取消密码后重新上传")
FILE_NOT_XLSX = _("文件不是有效的 Excel（.xlsx）文件")
FILE_CORRUPT = _("文件已损坏或格式不规范，不是有效的 Excel（.xlsx）文件，请在 Excel 或 WPS 中另存后上传")
FILE_MACROS = _("文件含有宏，请在 Excel 或 WPS 中另存为不含宏的 .xlsx 文件后上传")
FILE_ZIP_BOMB = _("文件解压后过大，可能是压缩炸弹")
FILE_XML_DTD = _("文件含有不允许的 XML 声明（DOCTYPE/ENTITY），请在 Excel 或 WPS 中另存为 .xlsx 后上传")
FILE_NO_WORKSHEET = _("文件中没有工作表")
FILE_TOO_MANY_ROWS = _("文件超过 {limit} 行的上限，请拆分后上传")
FILE_TOO_MANY_COLUMNS = _("文件超过 {limit} 列的上限，请删除多余的列后上传")
FILE_FORMULAS = _("单元格 {cells} 含有公式，请复制后“选择性粘贴—数值”再上传")
HEADER_MISSING = _("在前 {rows} 行中找不到表头，缺少必填列：{headers}")
HEADER_DUPLICATE = _("表头“{header}”出现了不止一次，请删除重复的列")
UNKNOWN_COLUMNS_IGNORED = _("以下列不在模板中，已忽略：{headers}")
OTHER_SHEETS_IGNORED = _("只读取第一个工作表“{sheet}”，其他工作表已忽略：{sheets}")
FIRST_SHEET_HIDDEN = _("第一个工作表“{sheet}”是隐藏的，读取的是这个表，请确认数据填在第一个工作表中")
HIDDEN_MARK = _("（隐藏）")
VALUE_REQUIRED = _("此项不能为空")
DATE_INVALID = _(
    "“{value}”不是有效的日期，请填写日期格式的单元格，"
    "或 2025-03-15、2025/3/15、2025.3.15、2025年3月15日、20250315 这样的日期"
)
YES_NO_INVALID = _("“{value}”无法识别，请填写“是”或“否”")
AMOUNT_INVALID = _("“{value}”不是有效的金额，请填写数字，如 3500 或 3500.00")

# --- Limits -----------------------------------------------------------------------------------------
MB = 1024 * 1024
MAX_BYTES = 20 * MB
MAX_UNCOMPRESSED = 200 * MB
MAX_RATIO = 100  # Apache POI refuses inflate ratios above 100:1 (MIN_INFLATE_RATIO = 0.01)
RATIO_MIN_MEMBER_SIZE = 1 * MB  # small parts (styles, strings) legitimately compress better than that
MAX_ROWS = 100_000
MAX_COLS = 200
MAX_MEMBERS = 1_000  # a real workbook has a few dozen parts
MAX_PART_BYTES = 10 * MB  # [Content_Types].xml, workbook.xml and its relationships
MAX_TAG_BYTES = 1 * MB  # one XML tag longer than this is not a spreadsheet
CALAMINE_MAX_CELLS = 4_000_000  # calamine builds a dense rows x columns grid (~32 bytes a cell)
CALAMINE_MEMORY_LIMIT = 2 * 1024 * MB  # address space of the calamine child process
CALAMINE_TIMEOUT = 120  # seconds
CALAMINE_OUTPUT_LIMIT = 512 * MB  # the pickled rows the child may write
FORMULA_CELLS_SHOWN = 5
MAX_TEXT_LENGTH = 32_767  # Excel's limit for one cell
SHOWN_VALUE_LENGTH = 40

_OUT_CHUNK = 1 * MB
_RAW_CHUNK = 256 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EOCD = struct.Struct("<4s4H2LH")
_LOCAL_HEADER = struct.Struct("<4sHHHHHLLLHH")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# Parts that would let calamine fall back to its xlsb or ods reader, which inspection does not vet.
_FOREIGN_PARTS = ("content.xml", "mimetype", "xl/workbook.bin")

_CT_WORKBOOK = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
_CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

# --- XML scanning patterns (bytes; every part is checked to be ASCII-compatible first) --------------
# Inside an element, "<" never occurs except to open a tag: attribute values may hold ">" but not "<".
_PREFIX = rb"(?:[^\s<>/:!?\"'=]*:)?"  # a namespace prefix, possibly empty (quick-xml reads "<:c" as c)
_QUOTED = rb"(?:\"[^\"<]*\"|'[^'<]*')"
_ATTR_NAME = rb"[^\s<>/=\"']+"
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_UTF16_OR_32 = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<", b"\x00\x00\xfe\xff", b"\x00\x00\x00<")
# Fast path: Excel, WPS, LibreOffice and openpyxl write every cell as `<c r="B7"` with r first.
# Two single-group patterns: lists of bytes, unlike lists of tuples, cost the garbage collector nothing.
_FAST_CELL_ROW = re.compile(rb'<c r="[A-Za-z]{1,3}([1-9][0-9]{0,6})"')
_FAST_CELL_LETTERS = re.compile(rb'<c r="([A-Za-z]{1,3})[1-9]')
_FAST_CELL_OTHER = re.compile(rb"<c[\t\r\n/>]")
_FAST_FORMULA = re.compile(rb"<f[\s/>]")
_PREFIX_HINT = re.compile(rb":(?:c|row|f|v|is)[\s/>]")
_PREFIXED_TAG = re.compile(rb"<[^\s<>/!?\"'=:]*:(?:c|row|f|v|is)[\s/>]")
# Exact path: every row, cell and value tag, with or without prefix or `r`, attributes in any order.
_TAG_START = re.compile(rb"</?" + _PREFIX + rb"(?:row|c|v|is|f|sheetData)(?=[\s/>])")
_TAG = re.compile(
    rb"<(/?)" + _PREFIX + rb"(row|c|v|is|f|sheetData)(?=[\s/>])((?:[^<>\"']|" + _QUOTED + rb")*)>"
)
# Cells live in <sheetData>; after it come <extLst> parts whose <xm:f> are data-validation sources.
_SHEET_DATA_END = re.compile(rb"</" + _PREFIX + rb"sheetData\s*>|<" + _PREFIX + rb"sheetData\s*/>")
_ROW_OR_CELL = re.compile(rb"<" + _PREFIX + rb"(?:row|c)(?=[\s/>])")
_LOOSE_R = re.compile(rb"\sr\s*=")
_ATTR_R = re.compile(
    rb"(?:\s+" + _ATTR_NAME + rb"\s*=\s*" + _QUOTED + rb")*?\s+r\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')"
)
_ROW_NUMBER = re.compile(rb"[1-9][0-9]{0,6}")
_CELL_REF = re.compile(rb"([A-Za-z]{1,3})([1-9][0-9]{0,6})")
_VALUE_HINT = re.compile(rb"<" + _PREFIX + rb"(?:v|is)[\s>]")
_SHARED_STRINGS = "xl/sharedstrings.xml"  # the part calamine reads, whatever the relationships say
_SST_TAG = re.compile(rb"<" + _PREFIX + rb"sst(?=[\s/>])(?:[^<>\"']|" + _QUOTED + rb")*>")
_SST_ITEM = re.compile(rb"<" + _PREFIX + rb"si(?=[\s/>])")
_UNIQUE_COUNT = re.compile(rb"uniqueCount\s*=\s*[\"']([^\"']*)")


def openpyxl_uses_defusedxml() -> bool:
    """True when openpyxl parses XML through defusedxml (THREATS.md F3; CI asserts it)."""
    from openpyxl.xml import DEFUSEDXML

    return DEFUSEDXML is True and getattr(openpyxl, "DEFUSEDXML", None) is True


if not openpyxl_uses_defusedxml():
    raise ImproperlyConfigured(
        "openpyxl must parse XML through defusedxml (THREATS.md F3): install defusedxml"
    )


class SpreadsheetError(ValidationError):
    """A file or a cell the clerk has to fix; the message is meant to be shown as it is."""


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # the Excel row number, 1-based
    values: dict[str, object]  # every required and optional header -> raw cell value, None when empty


@dataclass
class SheetData:
    header_row: int
    columns: dict[str, int]  # header found in the file -> 0-based column index
    rows: list[Row]
    warnings: list[str]
    sheet_name: str


# --- Inspection ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Limits:
    max_uncompressed: int
    max_ratio: float
    max_rows: int  # the limit named in the message
    max_cols: int
    row_allowance: int = 0  # title and header rows allowed above max_rows data rows

    @property
    def row_bound(self) -> int:
        return self.max_rows + self.row_allowance


@dataclass(frozen=True)
class _Sheet:
    name: str
    hidden: bool
    kind: str  # worksheet, chartsheet, dialogsheet, ...
    path: str  # lower-cased zip member name


@dataclass
class _Inspection:
    sheet: _Sheet
    others: list[tuple[_Sheet, bool]] = field(default_factory=list)  # (sheet, holds values)
    max_row: int = 0  # bounds of the cells holding a value or formula in the first worksheet
    max_col: int = 0


def _error(message, **params) -> SpreadsheetError:
    return SpreadsheetError(str(message).format(**params) if params else message)


@contextmanager
def _opened(path_or_file, max_bytes: int) -> Iterator[tuple[IO[bytes], int]]:
    """A seekable binary handle on the upload and its size, refused early when too large."""
    with ExitStack() as stack:
        if isinstance(path_or_file, bytes | bytearray | memoryview):
            fh: IO[bytes] = io.BytesIO(bytes(path_or_file))
        elif isinstance(path_or_file, str | os.PathLike):
            fh = stack.enter_context(open(path_or_file, "rb"))  # noqa: SIM115
        else:
            fh = path_or_file
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(0)
        if size > max_bytes:
            raise _error(FILE_TOO_LARGE, limit=f"{max_bytes / MB:g}")
        if size == 0:
            raise SpreadsheetError(FILE_EMPTY)
        yield fh, size


def _read_at(fh: IO[bytes], offset: int, length: int) -> bytes:
    fh.seek(offset)
    return fh.read(length)


def inspect_xlsx(
    path_or_file,
    *,
    max_bytes: int = MAX_BYTES,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    max_ratio: float = MAX_RATIO,
    max_rows: int = MAX_ROWS,
    max_cols: int = MAX_COLS,
) -> None:
    """Refuse a file that is not a plain, bounded .xlsx, before any XML parser sees it.

    Accepts a path, bytes or a binary file object (a Django upload). Raises `SpreadsheetError`.
    """
    limits = _Limits(max_uncompressed, max_ratio, max_rows, max_cols)
    with _opened(path_or_file, max_bytes) as (fh, size):
        _inspect(fh, size, limits)


def _inspect(
    fh: IO[bytes], size: int, limits: _Limits, on_sheet: Callable[[_Sheet], None] | None = None
) -> _Inspection:
    """Check the container and bound the first worksheet. `on_sheet` is told that sheet as soon as the cheap
    structural checks have passed, before the long scan of its cells."""
    head = _read_at(fh, 0, len(_OLE_MAGIC))
    if head == _OLE_MAGIC:
        raise SpreadsheetError(FILE_ENCRYPTED if _ole_is_encrypted(fh) else FILE_LEGACY_XLS)
    if not head.startswith(_ZIP_MAGIC):
        raise SpreadsheetError(FILE_NOT_XLSX)
    infos = _zip_members(fh, size)
    _check_declared_sizes(infos, limits)
    by_name = {info.filename.lower(): info for info in infos}
    if any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in by_name):
        raise SpreadsheetError(FILE_MACROS)
    if any(name in by_name for name in _FOREIGN_PARTS):
        raise SpreadsheetError(FILE_NOT_XLSX)

    def part(name: str, message) -> bytes:
        info = by_name.get(name)
        if info is None:
            raise SpreadsheetError(message)
        if info.file_size > MAX_PART_BYTES:
            raise SpreadsheetError(FILE_CORRUPT)
        return b"".join(_member_chunks(fh, size, info))

    _check_content_types(part("[content_types].xml", FILE_NOT_XLSX))
    sheets = _workbook_sheets(
        part("xl/workbook.xml", FILE_NOT_XLSX), part("xl/_rels/workbook.xml.rels", FILE_CORRUPT), by_name
    )
    first = next((sheet for sheet in sheets if sheet.kind == "worksheet"), None)
    if first is None:
        raise SpreadsheetError(FILE_NO_WORKSHEET)
    inspection = _Inspection(sheet=first)
    if on_sheet is not None:
        on_sheet(first)
    inspection.max_row, inspection.max_col = _scan_sheet(fh, size, by_name[first.path], limits)

    done = {"[content_types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", first.path}
    other_paths = {sheet.path for sheet in sheets if sheet is not first}
    holds_values = {}
    for info in infos:
        name = info.filename.lower()
        if name == _SHARED_STRINGS:
            _check_shared_strings(fh, size, info)
        elif name not in done:
            found = False
            for chunk in _member_chunks(fh, size, info, overlap=16):
                if name in other_paths and not found:
                    found = _VALUE_HINT.search(chunk) is not None
            holds_values[name] = found
    inspection.others = [
        (sheet, holds_values.get(sheet.path, False)) for sheet in sheets if sheet is not first
    ]
    return inspection


def _check_shared_strings(fh: IO[bytes], size: int, info: zipfile.ZipInfo) -> None:
    """Calamine reserves room for `<sst uniqueCount>` strings up front: 2**32 of them abort the process.

    The count must be about the number of `<si>` items the part really holds.
    """
    declared, items = 0, 0
    for chunk in _xml_chunks(fh, size, info):
        items += len(_SST_ITEM.findall(chunk))
        for tag in _SST_TAG.findall(chunk):
            for value in _UNIQUE_COUNT.findall(tag):
                if not value.isdigit():
                    raise SpreadsheetError(FILE_CORRUPT)
                declared = max(declared, int(value))
    if declared > 2 * items + 1_000:
        raise SpreadsheetError(FILE_CORRUPT)


def _ole_is_encrypted(fh: IO[bytes]) -> bool:
    """An encrypted .xlsx is an OLE container with an `EncryptedPackage` stream (MS-OFFCRYPTO)."""
    fh.seek(0)
    previous = b""
    while chunk := fh.read(_OUT_CHUNK):
        if _ENCRYPTED_PACKAGE in previous + chunk:
            return True
        previous = chunk[-len(_ENCRYPTED_PACKAGE) :]
    return False


def _zip_members(fh: IO[bytes], size: int) -> list[zipfile.ZipInfo]:
    """The central directory, refused unless it is the only one and names every member once."""
    if size < _EOCD.size:
        raise SpreadsheetError(FILE_CORRUPT)
    signature, disk, cd_disk, _on_disk, total, cd_size, cd_offset, comment = _EOCD.unpack(
        _read_at(fh, size - _EOCD.size, _EOCD.size)
    )
    # The end record must close the file: no comment, trailing or prepended bytes in which a second
    # directory could hide for a reader (Rust's zip crate, Python's zipfile) that searches differently.
    if signature != b"PK\x05\x06" or comment or disk or cd_disk:
        raise SpreadsheetError(FILE_CORRUPT)
    if cd_offset != 0xFFFFFFFF and cd_offset + cd_size != size - _EOCD.size:
        raise SpreadsheetError(FILE_CORRUPT)
    if total != 0xFFFF and total > MAX_MEMBERS:
        raise SpreadsheetError(FILE_CORRUPT)
    try:
        fh.seek(0)
        infos = zipfile.ZipFile(fh).infolist()
    except Exception as exc:
        logger.info("zip directory refused: %s", type(exc).__name__)
        raise SpreadsheetError(FILE_CORRUPT) from None
    if len(infos) > MAX_MEMBERS:
        raise SpreadsheetError(FILE_CORRUPT)
    names = set()
    for info in infos:
        name = info.filename.lower()
        if name in names or "\x00" in info.orig_filename:
            raise SpreadsheetError(FILE_CORRUPT)
        names.add(name)
        if info.flag_bits & 0x1:
            raise SpreadsheetError(FILE_ENCRYPTED)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SpreadsheetError(FILE_CORRUPT)
    return infos


def _check_declared_sizes(infos: list[zipfile.ZipInfo], limits: _Limits) -> None:
    total = 0
    for info in infos:
        total += info.file_size
        ratio_too_high = info.file_size > limits.max_ratio * max(info.compress_size, 1)
        if total > limits.max_uncompressed or (info.file_size > RATIO_MIN_MEMBER_SIZE and ratio_too_high):
            raise SpreadsheetError(FILE_ZIP_BOMB)


def _member_chunks(fh: IO[bytes], size: int, info: zipfile.ZipInfo, *, overlap: int = 0) -> Iterator[bytes]:
    """Inflate one member ourselves, never producing more than its declared size.

    Reading it to the end proves the declared size and CRC true, so that openpyxl (Python's zipfile)
    and calamine (Rust's zip crate) will see exactly these bytes. Every chunk is checked for a DTD,
    and the first for a UTF-16/32 encoding that the byte-level scans below would not understand.
    With `overlap`, each chunk starts with the last bytes of the previous one.
    """
    header = _read_at(fh, info.header_offset, _LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise SpreadsheetError(FILE_CORRUPT)
    signature, _version, _flags, method, _time, _date, _crc, _csize, _usize, name_len, extra_len = (
        _LOCAL_HEADER.unpack(header)
    )
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if (
        signature != _ZIP_MAGIC
        or method != info.compress_type
        or fh.read(name_len) != info.orig_filename.encode(encoding)
    ):
        raise SpreadsheetError(FILE_CORRUPT)
    start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
    if start + info.compress_size > size:
        raise SpreadsheetError(FILE_CORRUPT)
    fh.seek(start)

    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if method == zipfile.ZIP_DEFLATED else None
    remaining = info.compress_size
    produced = 0
    crc = 0
    previous = b""
    while remaining:
        raw = fh.read(min(_RAW_CHUNK, remaining))
        if not raw:
            raise SpreadsheetError(FILE_CORRUPT)
        remaining -= len(raw)
        pending = raw
        while pending:
            if inflater is None:
                out, pending = pending, b""
            else:
                try:
                    out = inflater.decompress(pending, _OUT_CHUNK)
                except zlib.error:
                    raise SpreadsheetError(FILE_CORRUPT) from None
                pending = inflater.unconsumed_tail
            if not out:
                continue
            produced += len(out)
            if produced > info.file_size:
                raise SpreadsheetError(FILE_ZIP_BOMB)
            if not previous and out.startswith(_UTF16_OR_32):
                raise SpreadsheetError(FILE_CORRUPT)
            crc = zlib.crc32(out, crc)
            window = previous + out
            if b"<!" in window and _DTD.search(window):
                raise SpreadsheetError(FILE_XML_DTD)
            previous = window[-max(overlap, 16) :]
            yield window if overlap else out
    if (inflater is not None and not inflater.eof) or produced != info.file_size or crc != info.CRC:
        raise SpreadsheetError(FILE_CORRUPT)


def _xml_chunks(fh: IO[bytes], size: int, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes cut only in front of a "<", so no tag is ever split between two chunks."""
    tail = b""
    for out in _member_chunks(fh, size, info):
        buffer = tail + out
        cut = buffer.rfind(b"<")
        if cut != -1 and buffer.find(b">", cut) == -1:
            buffer, tail = buffer[:cut], buffer[cut:]
            if len(tail) > MAX_TAG_BYTES:
                raise SpreadsheetError(FILE_CORRUPT)
        else:
            tail = b""
        if buffer:
            yield buffer
    if tail:
        yield tail


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(data: bytes):
    try:
        return SafeElementTree.fromstring(data, forbid_dtd=True)
    except Exception as exc:
        logger.info("xml part refused: %s", type(exc).__name__)
        raise SpreadsheetError(FILE_CORRUPT) from None


def _check_content_types(data: bytes) -> None:
    overrides, defaults = {}, {}
    for element in _parse_xml(data):
        if _local(element.tag) == "Override":
            overrides[element.get("PartName", "").lower()] = element.get("ContentType", "")
        elif _local(element.tag) == "Default":
            defaults[element.get("Extension", "").lower()] = element.get("ContentType", "")
    types = {value.lower() for value in [*overrides.values(), *defaults.values()]}
    if any("binary.macroenabled" in value for value in types):  # .xlsb
        raise SpreadsheetError(FILE_NOT_XLSX)
    if any("macroenabled" in value or "vbaproject" in value for value in types):
        raise SpreadsheetError(FILE_MACROS)
    if (overrides.get("/xl/workbook.xml") or defaults.get("xml") or "").lower() not in _CT_WORKBOOK:
        raise SpreadsheetError(FILE_NOT_XLSX)
    if _CT_WORKSHEET not in types:
        raise SpreadsheetError(FILE_NOT_XLSX)


def _sheet_path(target: str) -> str | None:
    """Where both readers look for a sheet, or None when they would disagree.

    openpyxl resolves the target like a URL relative to xl/; calamine strips "/" or prepends "xl/".
    """
    if not target or "\\" in target:
        return None
    opc = target[1:] if target.startswith("/") else posixpath.normpath("xl/" + target)
    if target.startswith("/xl/"):
        calamine = target[1:]
    elif target.startswith("xl/"):
        calamine = target
    else:
        calamine = "xl/" + target
    return opc.lower() if opc == calamine else None


def _workbook_sheets(workbook: bytes, relationships: bytes, by_name: dict) -> list[_Sheet]:
    """The sheets in workbook order, refused wherever openpyxl and calamine could pick different parts.

    Calamine takes every element named "sheet" anywhere, a relationship id by its literal prefix and
    the last of two equal ids; openpyxl takes <sheets> children, the namespaced id and the first.
    """
    targets = {}
    for element in _parse_xml(relationships):
        if _local(element.tag) != "Relationship" or element.get("TargetMode") == "External":
            continue
        if element.get("Id") in targets:
            raise SpreadsheetError(FILE_CORRUPT)
        targets[element.get("Id")] = (element.get("Type", ""), element.get("Target", ""))
    root = _parse_xml(workbook)
    listed = [element for group in root if _local(group.tag) == "sheets" for element in group]
    if [element for element in root.iter() if _local(element.tag) == "sheet"] != listed:
        raise SpreadsheetError(FILE_CORRUPT)
    sheets, names = [], set()
    for element in listed:
        name = element.get("name", "")
        ids = [value for key, value in element.attrib.items() if key.startswith("{") and _local(key) == "id"]
        kind_and_target = targets.get(ids[0]) if len(ids) == 1 else None
        if not name or name.lower() in names or kind_and_target is None:
            raise SpreadsheetError(FILE_CORRUPT)
        names.add(name.lower())
        kind, target = kind_and_target
        path = _sheet_path(target)
        if path is None or path not in by_name:
            raise SpreadsheetError(FILE_CORRUPT)
        hidden = element.get("state", "visible") != "visible"
        sheets.append(_Sheet(name=name, hidden=hidden, kind=kind.rsplit("/", 1)[-1], path=path))
    return sheets


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _scan_sheet(fh: IO[bytes], size: int, info: zipfile.ZipInfo, limits: _Limits) -> tuple[int, int]:
    """Bounds (max row, max column) of the cells that hold a value, from the sheet XML itself.

    The fast pass takes every `<c r="..."` at its word, including empty styled cells, which only
    makes the bound larger. Anything it cannot vouch for - a prefix, a cell without `r` or with
    attributes in another order, a formula, a bound over the limit - hands over to the exact pass.
    Only <sheetData> is read for cells, as calamine does; a row or cell after it is refused.
    """
    max_row, columns, exact, after_data = 0, set(), False, False
    for chunk in _xml_chunks(fh, size, info):
        if after_data:
            chunk, rest = b"", chunk
        elif b"sheetData" in chunk and (end := _SHEET_DATA_END.search(chunk)):
            chunk, rest, after_data = chunk[: end.start()], chunk[end.end() :], True
        else:
            rest = b""
        if rest and _ROW_OR_CELL.search(rest):
            exact = True  # rows after <sheetData>: openpyxl would read them, calamine would not
            break
        rows = _FAST_CELL_ROW.findall(chunk)
        if (
            (_PREFIX_HINT.search(chunk) and _PREFIXED_TAG.search(chunk))
            or _FAST_CELL_OTHER.search(chunk)
            or chunk.count(b"<c ") != len(rows)
            or _FAST_FORMULA.search(chunk)
        ):
            exact = True
            break
        if rows:
            columns.update(_FAST_CELL_LETTERS.findall(chunk))
            max_row = max(max_row, max(map(int, rows)))
            max_col = max(map(_column_number, columns))
            if max_row > limits.row_bound or max_col > limits.max_cols:
                exact = True
                break
    if exact:
        return _exact_scan(fh, size, info, limits)
    return max_row, max(map(_column_number, columns), default=0)


def _attribute_r(body: bytes) -> bytes | None:
    if not _LOOSE_R.search(body):
        return None
    match = _ATTR_R.match(body)
    if match is None:
        raise SpreadsheetError(FILE_CORRUPT)
    return match.group(1) if match.group(1) is not None else match.group(2)


def _exact_scan(fh: IO[bytes], size: int, info: zipfile.ZipInfo, limits: _Limits) -> tuple[int, int]:
    """Follow rows and cells as both readers do, counting only cells with a value or formula.

    A cell without `r` sits after the previous one; a row without `r` after the previous one. The
    readers differ on when the counters move (openpyxl at `<row>`, calamine at `</row>`), so both are
    followed and the larger position wins.
    """
    calamine_row, openpyxl_row = 1, 0
    calamine_col = openpyxl_col = 0
    cell: tuple[int, int] | None = None
    max_row = max_col = 0
    formulas: list[str] = []
    after_data = False
    for chunk in _xml_chunks(fh, size, info):
        matched = 0
        for match in _TAG.finditer(chunk):
            matched += 1
            closing, name, body = match.groups()
            if after_data:
                if name in (b"row", b"c"):
                    raise SpreadsheetError(FILE_CORRUPT)
                continue
            if name == b"sheetData":
                after_data = bool(closing) or body.endswith(b"/")
            elif name == b"row":
                if not closing:
                    number = _attribute_r(body)
                    if number is None:
                        openpyxl_row += 1
                    elif _ROW_NUMBER.fullmatch(number):
                        openpyxl_row = calamine_row = int(number)
                    else:
                        raise SpreadsheetError(FILE_CORRUPT)
                    openpyxl_col = 0
                if closing or body.endswith(b"/"):
                    calamine_row += 1
                    calamine_col = 0
            elif closing:
                continue
            elif name == b"c":
                ref = _attribute_r(body)
                if ref is None:
                    calamine_col += 1
                    openpyxl_col += 1
                    cell = (max(calamine_row, openpyxl_row), max(calamine_col, openpyxl_col))
                else:
                    parts = _CELL_REF.fullmatch(ref)
                    if parts is None:
                        raise SpreadsheetError(FILE_CORRUPT)
                    calamine_col = openpyxl_col = _column_number(parts.group(1))
                    cell = (int(parts.group(2)), calamine_col)
            elif cell is not None:  # <v>, <is> or <f>: the current cell holds something
                row, col = cell
                if row > limits.row_bound:
                    raise _error(FILE_TOO_MANY_ROWS, limit=limits.max_rows)
                if col > limits.max_cols:
                    raise _error(FILE_TOO_MANY_COLUMNS, limit=limits.max_cols)
                max_row, max_col = max(max_row, row), max(max_col, col)
                ref_text = f"{get_column_letter(col)}{row}"
                if name == b"f" and ref_text not in formulas:
                    formulas.append(ref_text)
                    if len(formulas) >= FORMULA_CELLS_SHOWN:
                        raise _error(FILE_FORMULAS, cells="、".join(formulas))
        if matched != len(_TAG_START.findall(chunk)):
            raise SpreadsheetError(FILE_CORRUPT)  # a tag the parser may read differently
    if formulas:
        raise _error(FILE_FORMULAS, cells="、".join(formulas))
    return max_row, max_col


# --- Reading ------------------------------------------------------------------------------------------


def read_rows(
    path_or_file,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    header_search_rows: int = 10,
    max_rows: int = MAX_ROWS,
    max_cols: int = MAX_COLS,
    max_bytes: int = MAX_BYTES,
    engine: str = "auto",
) -> SheetData:
    """The rows of the first worksheet under the header row, keyed by header name (DESIGN.md §5).

    The header row is the first of the first `header_search_rows` rows holding every required
    header; blank rows are skipped. `engine` is "auto", "calamine" or "openpyxl" (for tests and
    benchmarks; "auto" picks calamine unless the sheet's cell area is too large for it).
    """
    required, optional = list(required), list(optional)
    if engine not in ("auto", "calamine", "openpyxl"):
        raise ValueError(f"unknown engine {engine!r}")
    limits = _Limits(MAX_UNCOMPRESSED, MAX_RATIO, max_rows, max_cols, row_allowance=header_search_rows)
    with _opened(path_or_file, max_bytes) as (fh, size):
        data = fh.read(size)  # one copy, so the file cannot change between inspection and reading
    with ExitStack() as stack:
        children: list[_CalamineChild] = []

        def start_child(sheet: _Sheet) -> None:
            # Calamine starts on the sheet while the scan below bounds it: its answer is used only if
            # the scan passes, and the child is killed (the `with` block) if the scan refuses the file.
            if engine != "openpyxl":
                children.append(stack.enter_context(_CalamineChild(data, sheet.name)))

        inspection = _inspect(io.BytesIO(data), len(data), limits, on_sheet=start_child)
        if engine == "auto":
            area = inspection.max_row * inspection.max_col
            engine = "calamine" if area <= CALAMINE_MAX_CELLS else "openpyxl"
        if engine == "calamine":
            rows = _calamine_rows(data, inspection, child=children[0] if children else None)
        else:
            rows = _openpyxl_rows(data, inspection)
        sheet = _collect(
            _guarded(rows),
            required=required,
            optional=optional,
            header_search_rows=header_search_rows,
            max_rows=max_rows,
        )
    sheet.sheet_name = inspection.sheet.name
    sheet.warnings[:0] = _sheet_warnings(inspection)
    return sheet


# Calamine runs in a child process with an address-space limit (THREATS.md F5). Inspection bounds what
# it reads, but a failed Rust allocation aborts the process instead of raising - python-calamine 0.9.1
# reserves `<sst uniqueCount>` strings before reading one (checked above) - and a date beyond chrono's
# range panics. In a child either costs this one upload, not the web or Celery worker. Its output is
# unpickled with only the datetime types allowed, so even a subverted child cannot run code here.
# Its input and output are unnamed temporary files, not pipes: nothing in the parent has to feed or drain
# them while the parent is busy scanning the same file (a pipe stalls the child whenever it is full).
_CALAMINE_CHILD = """
import io, pickle, resource, sys
try:
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
except (ValueError, OSError):
    pass
import python_calamine
workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
sheet = workbook.get_sheet_by_name(sys.argv[3])
rows = sheet.to_python() if sheet.start is not None else []
# One object per distinct text: pickle then writes each once and the parent holds each once
# (a return repeats its townships, industries, dates and employers on every row).
canonical = {}
rows = [[canonical.setdefault(v, v) if type(v) is str else v for v in row] for row in rows]
pickle.dump((sheet.start, rows), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
"""


class _RowsUnpickler(pickle.Unpickler):
    _allowed = {
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
    }

    def find_class(self, module, name):
        if (module, name) in self._allowed:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


class _CalamineChild:
    """The calamine child process for one sheet, started at once so the parent can work meanwhile.

    A context manager: leaving it kills the child if it is still running."""

    def __init__(self, data: bytes, sheet_name: str):
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        try:
            with tempfile.TemporaryFile() as source:  # the child keeps its own handle on it
                source.write(data)
                source.seek(0)
                self._process = subprocess.Popen(
                    [
                        sys.executable,
                        "-I",
                        "-c",
                        _CALAMINE_CHILD,
                        str(CALAMINE_MEMORY_LIMIT),
                        str(CALAMINE_OUTPUT_LIMIT),
                        sheet_name,  # an argument, never a shell word; XML cannot hold the NUL argv cannot
                    ],
                    stdin=source,
                    stdout=self._output,
                    stderr=subprocess.DEVNULL,
                )
        except BaseException:
            self._output.close()  # no child, so no __exit__ to close it
            raise
        self._deadline = time.monotonic() + CALAMINE_TIMEOUT

    def result(self) -> bytes:
        """The child's output; FILE_CORRUPT if it failed or ran out of time."""
        try:
            self._process.wait(timeout=max(0.0, self._deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.returncode != 0:
            logger.warning("calamine child failed with exit status %s", self._process.returncode)
            raise SpreadsheetError(FILE_CORRUPT)
        self._output.seek(0)
        return self._output.read()

    def __enter__(self) -> _CalamineChild:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._output.close()


def _calamine_rows(
    data: bytes, inspection: _Inspection, child: _CalamineChild | None = None
) -> Iterator[tuple[int, list]]:
    if child is None:
        with _CalamineChild(data, inspection.sheet.name) as own:
            output = own.result()
    else:
        output = child.result()
    start, rows = _RowsUnpickler(io.BytesIO(output)).load()  # noqa: S301 - restricted above
    del output
    if start is None:
        return
    first_row, first_col = start
    padding = [None] * first_col
    for offset, values in enumerate(rows):  # to_python() starts at sheet.start
        yield first_row + offset + 1, padding + values


def _openpyxl_rows(data: bytes, inspection: _Inspection) -> Iterator[tuple[int, list]]:
    if inspection.max_row == 0:
        return
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    try:
        worksheet = workbook[inspection.sheet.name]
        worksheet.reset_dimensions()  # read-only mode trusts <dimension> and drops rows beyond it (F6)
        rows = worksheet.iter_rows(
            min_row=1, max_row=inspection.max_row, max_col=inspection.max_col, values_only=True
        )
        for number, values in enumerate(rows, start=1):
            yield number, list(values)
    finally:
        workbook.close()


def _guarded(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """Whatever a reader raises on a file that passed inspection becomes FILE_CORRUPT."""
    try:
        yield from rows
    except SpreadsheetError:
        raise
    except Exception as exc:
        logger.warning("spreadsheet reader failed: %s", type(exc).__name__)
        raise SpreadsheetError(FILE_CORRUPT) from None


def _header_key(value) -> str:
    """Header text as matched: NFKC, no spaces or invisible characters, no `*` or (必填) marks."""
    text = "".join(ch for ch in clean_text(value) if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return text.strip("*").removesuffix("(必填)").strip("*")


def _quoted(names: Iterable[str]) -> str:
    return "、".join(f"“{name}”" for name in names)


def _collect(
    rows: Iterator[tuple[int, list]],
    *,
    required: list[str],
    optional: list[str],
    header_search_rows: int,
    max_rows: int,
) -> SheetData:
    known: dict[str, str] = {}
    for name in [*required, *optional]:
        key = _header_key(name)
        if not key or key in known:
            raise ValueError(f"header {name!r} is empty or given twice")
        known[key] = name
    wanted = set(required)

    header: tuple[int, list] | None = None
    best: set[str] = set()
    for number, values in rows:
        if number > header_search_rows:
            break
        found = {known[key] for key in map(_header_key, values) if key in known} & wanted
        if found == wanted:
            header = (number, values)
            break
        if len(found) > len(best):
            best = found
    if header is None:
        missing = [name for name in required if name not in best]
        raise _error(HEADER_MISSING, rows=header_search_rows, headers=_quoted(missing))

    header_row, header_values = header
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, value in enumerate(header_values):
        key = _header_key(value)
        if not key:
            continue
        name = known.get(key)
        if name is None:
            unknown.append(clean_text(value))
        elif name in columns:
            raise _error(HEADER_DUPLICATE, header=name)
        else:
            columns[name] = index
    warnings = [str(UNKNOWN_COLUMNS_IGNORED).format(headers=_quoted(unknown))] if unknown else []

    # The hot loop: 50,000 rows x 15 columns, so list comprehensions rather than per-cell calls.
    names = list(columns) + [name for name in known.values() if name not in columns]
    indexes = list(columns.values())
    width = max(indexes, default=-1) + 1
    absent = [None] * (len(names) - len(indexes))
    result: list[Row] = []
    for number, values in rows:
        if len(values) < width:
            values = values + [None] * (width - len(values))
        picked = [values[index] for index in indexes]
        picked = [None if type(value) is str and not value.strip() else value for value in picked]
        if picked.count(None) == len(picked):
            continue
        if len(result) >= max_rows:
            raise _error(FILE_TOO_MANY_ROWS, limit=max_rows)
        result.append(Row(number=number, values=dict(zip(names, picked + absent, strict=True))))
    return SheetData(header_row=header_row, columns=columns, rows=result, warnings=warnings, sheet_name="")


def _sheet_warnings(inspection: _Inspection) -> list[str]:
    warnings = []
    first = inspection.sheet
    if first.hidden:
        warnings.append(str(FIRST_SHEET_HIDDEN).format(sheet=first.name))
    ignored = [
        f"“{sheet.name}”" + (str(HIDDEN_MARK) if sheet.hidden else "")
        for sheet, holds_values in inspection.others
        if holds_values or sheet.hidden or sheet.kind != "worksheet"
    ]
    if ignored:
        warnings.append(str(OTHER_SHEETS_IGNORED).format(sheet=first.name, sheets="、".join(ignored)))
    return warnings


# --- Cell helpers ---------------------------------------------------------------------------------------


def _shown(value) -> str:
    text = clean_text(value)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[:SHOWN_VALUE_LENGTH] + "…"


def clean_text(value) -> str:
    """A cell as text: None -> "", NFKC, trimmed; 13800138000.0 -> "13800138000"."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


_DATE_SEPARATED = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?"  # a time of day, as other systems export it
)
_DATE_CHINESE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?")
_DATE_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?")
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = 2_958_465  # 9999-12-31


def parse_date(value) -> date:
    """A date cell, `2025-03-15`, `2025/3/15`, `2025.3.15`, `2025年3月15日`, `20250315` or a serial.

    Serials follow Excel's 1900 date system, whose day 60 is the fictitious 1900-02-29: refused.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise SpreadsheetError(VALUE_REQUIRED)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value

    def invalid() -> SpreadsheetError:  # built only when raised: most cells are valid
        return _error(DATE_INVALID, value=_shown(value))

    if isinstance(value, bool):
        raise invalid()
    if isinstance(value, int | float | Decimal):
        return _date_from_number(value, invalid)
    if not isinstance(value, str):
        raise invalid()
    text = clean_text(value)
    for pattern in (_DATE_SEPARATED, _DATE_CHINESE, _DATE_COMPACT):
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise invalid() from None
    if _SERIAL.fullmatch(text):
        return _date_from_number(Decimal(text), invalid)
    raise invalid()


def _date_from_number(number, invalid: Callable[[], SpreadsheetError]) -> date:
    try:
        number = Decimal(str(number)) if isinstance(number, float) else Decimal(number)
    except InvalidOperation:
        raise invalid() from None
    if not number.is_finite():
        raise invalid()
    if number == number.to_integral_value() and 19000101 <= number <= 29991231:  # 20250315 typed as a number
        return parse_date(str(int(number)))
    serial = int(number)  # the fraction is the time of day
    if serial < 1 or serial == 60 or serial > _MAX_SERIAL:
        raise invalid()
    return _EXCEL_EPOCH + timedelta(days=serial + (1 if serial < 60 else 0))


_YES = {"是", "y", "yes", "1", "true", "√", "✓", "✔", "对"}
_NO = {"否", "n", "no", "0", "false", "×", "✗", "✘"}


def parse_yes_no(value) -> bool:
    """是/否, Y/N, 1/0, true/false, √; empty means 否 (DESIGN.md §5 是否返乡)."""
    if isinstance(value, bool):
        return value
    text = clean_text(value).casefold()
    if not text or text in _NO:
        return False
    if text in _YES:
        return True
    raise _error(YES_NO_INVALID, value=_shown(value))


_AMOUNT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def parse_amount(value) -> Decimal:
    """A number as Decimal: 3500, 3500.00, "3,500", "3500元", "¥3500". The sign is the caller's rule."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise SpreadsheetError(VALUE_REQUIRED)

    def invalid() -> SpreadsheetError:
        return _error(AMOUNT_INVALID, value=_shown(value))

    if isinstance(value, bool):
        raise invalid()
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float | Decimal):
        amount = Decimal(repr(value)) if isinstance(value, float) else value
        if not amount.is_finite():
            raise invalid()
        return amount
    text = clean_text(value).replace(" ", "").removeprefix("¥").removesuffix("元")
    if not isinstance(value, str) or not _AMOUNT.fullmatch(text):
        raise invalid()
    return Decimal(text.replace(",", ""))


# --- Writing --------------------------------------------------------------------------------------------

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def _xlsx_value(value):
    """A value openpyxl can store: lazy text resolved, characters XML 1.0 forbids removed."""
    if isinstance(value, Promise):
        value = str(value)
    if value is None or isinstance(value, bool | int | float | Decimal | date | datetime | timedelta):
        return value
    if not isinstance(value, str):
        value = str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_TEXT_LENGTH]


def safe_cell_value(value):
    """For writers that cannot mark a cell as text: a leading `'` defuses =, +, -, @, tab, CR, LF, NUL.

    Prefer `safe_cell`/`write_xlsx`, which keep the text unchanged and store it as a string cell.
    """
    value = _xlsx_value(value)
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_cell(ws, value) -> Any:
    """A write-only cell that stays text (`t="inlineStr"`) even when it starts with "=" (THREATS E5)."""
    cell = WriteOnlyCell(ws, _xlsx_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl would otherwise write "=..." as a formula and "#N/A" as an error
    return cell


def write_safe_row(ws, row_values: Iterable) -> None:
    """Append one row whose text cells can never become formulas, to a write-only or normal sheet."""
    if isinstance(ws, WriteOnlyWorksheet):
        ws.append([safe_cell(ws, value) for value in row_values])
        return
    ws.append([_xlsx_value(value) for value in row_values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def csv_safe(value) -> str:
    """A CSV field Excel will not evaluate: text starting with =, +, -, @, tab, CR, LF or NUL gets `'`."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | date | datetime):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def csv_bom() -> str:
    """UTF-8 byte-order mark, so Chinese Excel opens a CSV as UTF-8 (THREATS E7)."""
    return "\ufeff"


def _sheet_title(title, used: set[str]) -> str:
    base = _SHEET_TITLE_FORBIDDEN.sub("_", clean_text(title)).strip("'")[:31] or "Sheet"
    candidate, counter = base, 1
    while candidate.lower() in used:
        counter += 1
        suffix = f"({counter})"
        candidate = base[: 31 - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_xlsx(
    path_or_buffer,
    sheets: list[tuple[str, list[str], Iterable[list]]],
    *,
    title: str | None = None,
    note: str | None = None,
) -> None:
    """Write (sheet name, headers, rows) sheets in openpyxl's streaming mode, every text cell as text.

    `title` goes in bold above the header, `note` (exporter, time - THREATS E8) under the title.
    """
    workbook = openpyxl.Workbook(write_only=True)
    header_font, title_font = Font(bold=True), Font(bold=True, size=14)
    used: set[str] = set()
    for sheet_title, headers, rows in sheets or [("Sheet", [], [])]:
        ws = workbook.create_sheet(title=_sheet_title(sheet_title, used))
        lead = [text for text in (title, note) if text]
        # Write-only sheets write their views and columns with the first row: set them first.
        ws.freeze_panes = f"A{len(lead) + 2}"
        for index, header in enumerate(headers, start=1):
            width = _display_width(clean_text(header)) + 4
            ws.column_dimensions[get_column_letter(index)].width = min(max(width, 10), 40)
        for position, text in enumerate(lead):
            cell = safe_cell(ws, text)
            if position == 0 and title:
                cell.font = title_font
            ws.append([cell])
        header_cells = []
        for header in headers:
            cell = safe_cell(ws, header)
            cell.font = header_font
            header_cells.append(cell)
        ws.append(header_cells)
        for row in rows:
            write_safe_row(ws, row)
    workbook.save(path_or_buffer)
