"""`inspect_xlsx`: everything about an upload that can be known without a spreadsheet parser — content types,
macros, DTDs, the shared strings, which sheet is first, and, by scanning the first worksheet's XML with
regular expressions, where its cells really are (`<dimension ref>` lies: THREATS.md F5, F6)."""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable
from typing import IO

from openpyxl.utils import get_column_letter

from .container import (
    _check_declared_sizes,
    _local,
    _member_chunks,
    _ole_is_encrypted,
    _opened,
    _parse_xml,
    _read_at,
    _xml_chunks,
    _zip_members,
)
from .core import (
    _CT_WORKBOOK,
    _CT_WORKSHEET,
    _FOREIGN_PARTS,
    _OLE_MAGIC,
    _ZIP_MAGIC,
    FILE_CORRUPT,
    FILE_ENCRYPTED,
    FILE_FORMULAS,
    FILE_LEGACY_XLS,
    FILE_MACROS,
    FILE_NO_WORKSHEET,
    FILE_NOT_XLSX,
    FILE_TOO_MANY_COLUMNS,
    FILE_TOO_MANY_ROWS,
    FORMULA_CELLS_SHOWN,
    MAX_BYTES,
    MAX_COLS,
    MAX_PART_BYTES,
    MAX_RATIO,
    MAX_ROWS,
    MAX_UNCOMPRESSED,
    SpreadsheetError,
    _error,
    _Inspection,
    _Limits,
    _Sheet,
)

# --- XML scanning patterns (bytes; every part is checked to be ASCII-compatible first) --------------
# Inside an element, "<" never occurs except to open a tag: attribute values may hold ">" but not "<".
_PREFIX = rb"(?:[^\s<>/:!?\"'=]*:)?"  # a namespace prefix, possibly empty (quick-xml reads "<:c" as c)
_QUOTED = rb"(?:\"[^\"<]*\"|'[^'<]*')"
_ATTR_NAME = rb"[^\s<>/=\"']+"
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
