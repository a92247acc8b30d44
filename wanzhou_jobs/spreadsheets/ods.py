"""`inspect_ods`: an OpenDocument spreadsheet (.ods, as LibreOffice and WPS save it) checked before calamine reads it
(DESIGN.md §5, THREATS.md F1–F6).

The zip goes through the same bounds as an .xlsx (sizes declared and inflated, ratios, DTDs). Then content.xml
is scanned with regular expressions, like an .xlsx sheet: an .ods compresses a sheet into repeat counts —
`number-rows-repeated`, `number-columns-repeated`, `<text:s text:c>` — and calamine expands them all, for every
table, when the file is opened: 800 bytes can ask it for a grid of 16,384 × 1,000,000 cells or a string of
1.5 billion spaces. The scan adds the repeats up and refuses what an .xlsx would be refused for.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import IO

from openpyxl.utils import get_column_letter

from .container import _check_declared_sizes, _member_chunks, _xml_chunks, _zip_members
from .core import (
    CALAMINE_MAX_CELLS,
    FILE_CORRUPT,
    FILE_ENCRYPTED,
    FILE_FORMAT_UNSUPPORTED,
    FILE_FORMULAS,
    FILE_MACROS,
    FILE_NO_WORKSHEET,
    FILE_TOO_MANY_CELLS,
    FILE_TOO_MANY_COLUMNS,
    FILE_TOO_MANY_ROWS,
    FORMULA_CELLS_SHOWN,
    GRID_COLS,
    GRID_ROWS,
    MAX_PART_BYTES,
    MAX_SPACES,
    MAX_TEXT_LENGTH,
    ODS_MAX_RATIO,
    SpreadsheetError,
    _error,
    _Inspection,
    _Limits,
    _Sheet,
)

ODS_MIMETYPES = (
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.spreadsheet-template",
)
_PREFIX = rb"(?:[^\s<>/:!?\"'=]*:)?"
_QUOTED = rb"(?:\"[^\"<]*\"|'[^'<]*')"
_NAMES = rb"(table-row|table-cell|covered-table-cell|table|s)"
_TAG = re.compile(rb"<(/?)" + _PREFIX + _NAMES + rb"(?=[\s/>])((?:[^<>\"']|" + _QUOTED + rb")*)>")
_TAG_START = re.compile(rb"</?" + _PREFIX + _NAMES + rb"(?=[\s/>])")


def _attribute(name: bytes) -> re.Pattern:
    return re.compile(rb"\s" + _PREFIX + name + rb"\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")


_ROWS_REPEATED = _attribute(rb"number-rows-repeated")
_COLUMNS_REPEATED = _attribute(rb"number-columns-repeated")
_VALUE_TYPE = _attribute(rb"value-type")
_FORMULA = _attribute(rb"formula")
_SPACES = _attribute(rb"c")
_NAME = _attribute(rb"name")


def is_ods(mimetype: bytes) -> bool:
    return mimetype.strip() in ODS_MIMETYPES


def inspect_ods(fh: IO[bytes], size: int, limits: _Limits) -> _Inspection:
    """Refuse an .ods that is not plain and bounded; return its first table and the bounds of its cells."""
    infos = _zip_members(fh, size)
    _check_declared_sizes(infos, replace(limits, max_ratio=max(limits.max_ratio, ODS_MAX_RATIO)))
    by_name = {info.filename.lower(): info for info in infos}
    mimetype = by_name.get("mimetype")
    if mimetype is None or mimetype.file_size > 100:
        raise SpreadsheetError(FILE_FORMAT_UNSUPPORTED)
    if not is_ods(b"".join(_member_chunks(fh, size, mimetype))):
        raise SpreadsheetError(FILE_FORMAT_UNSUPPORTED)  # a text document, a presentation…
    if any(name.startswith(("basic/", "scripts/")) for name in by_name):
        raise SpreadsheetError(FILE_MACROS)
    manifest = by_name.get("meta-inf/manifest.xml")
    if manifest is not None:
        if manifest.file_size > MAX_PART_BYTES:
            raise SpreadsheetError(FILE_CORRUPT)
        if b"encryption-data" in b"".join(_member_chunks(fh, size, manifest)):
            raise SpreadsheetError(FILE_ENCRYPTED)
    content = by_name.get("content.xml")
    if content is None:
        raise SpreadsheetError(FILE_CORRUPT)
    for info in infos:  # every part inflated within its bounds and free of DTDs, as for an .xlsx
        if info is not content:
            for _chunk in _member_chunks(fh, size, info):
                pass
    return _scan_content(fh, size, content, limits)


def _number(pattern: re.Pattern, body: bytes, default: int = 1) -> int:
    match = pattern.search(body)
    if match is None:
        return default
    text = match.group(1) if match.group(1) is not None else match.group(2)
    if not text.isdigit() or len(text) > 10:
        raise SpreadsheetError(FILE_CORRUPT)
    return int(text)


def _scan_content(fh: IO[bytes], size: int, info, limits: _Limits) -> _Inspection:
    tables: list[tuple[_Sheet, int, int, list[str]]] = []  # (sheet, max row, max column, formula cells)
    in_table = False
    name = ""
    row = next_row = col = 0
    max_row = max_col = 0
    formulas: list[str] = []
    spaces = 0
    cells = 0
    for chunk in _xml_chunks(fh, size, info):
        matched = 0
        for match in _TAG.finditer(chunk):
            matched += 1
            closing, tag, body = match.groups()
            if tag == b"table":
                if closing:
                    if not in_table:
                        raise SpreadsheetError(FILE_CORRUPT)
                    tables.append(
                        (
                            _Sheet(name=name, hidden=False, kind="worksheet", path=""),
                            max_row,
                            max_col,
                            formulas,
                        )
                    )
                    cells += max_row * max_col
                    if cells > CALAMINE_MAX_CELLS:
                        raise _error(FILE_TOO_MANY_CELLS, rows=max_row, cols=max_col)
                    in_table = False
                elif not body.endswith(b"/"):
                    if in_table:
                        raise SpreadsheetError(FILE_CORRUPT)  # a table inside a table: the readers differ
                    found = _NAME.search(body)
                    if found is None:
                        raise SpreadsheetError(FILE_CORRUPT)
                    name = html.unescape((found.group(1) or found.group(2) or b"").decode("utf-8", "replace"))
                    in_table, row, next_row, max_row, max_col, formulas = True, 0, 0, 0, 0, []
            elif not in_table or closing:
                continue
            elif tag == b"table-row":
                row, next_row, col = next_row, next_row + _number(_ROWS_REPEATED, body), 0
                if next_row > GRID_ROWS:
                    raise SpreadsheetError(FILE_CORRUPT)
            elif tag == b"s":
                count = _number(_SPACES, body)
                spaces += count
                if count > MAX_TEXT_LENGTH or spaces > MAX_SPACES:
                    raise SpreadsheetError(FILE_CORRUPT)
            else:  # a cell, possibly repeated across columns
                first, col = col, col + _number(_COLUMNS_REPEATED, body)
                if col > GRID_COLS:
                    raise SpreadsheetError(FILE_CORRUPT)
                formula = _FORMULA.search(body) is not None
                if formula or _VALUE_TYPE.search(body) is not None or not body.endswith(b"/"):
                    max_row, max_col = max(max_row, next_row), max(max_col, col)
                    if max_row > limits.row_bound:
                        raise _error(FILE_TOO_MANY_ROWS, limit=limits.max_rows)
                    if max_col > limits.max_cols:
                        raise _error(FILE_TOO_MANY_COLUMNS, limit=limits.max_cols)
                    if formula and len(formulas) < FORMULA_CELLS_SHOWN:
                        formulas.append(f"{get_column_letter(first + 1)}{row + 1}")
        if matched != len(_TAG_START.findall(chunk)):
            raise SpreadsheetError(FILE_CORRUPT)  # a tag the parser may read differently
    if in_table:
        raise SpreadsheetError(FILE_CORRUPT)
    if not tables:
        raise SpreadsheetError(FILE_NO_WORKSHEET)
    names = [sheet.name for sheet, *_rest in tables]
    if len(set(names)) != len(names) or not all(names):
        raise SpreadsheetError(FILE_CORRUPT)
    first_sheet, first_rows, first_cols, first_formulas = tables[0]
    if first_formulas:
        raise _error(FILE_FORMULAS, cells="、".join(first_formulas))
    inspection = _Inspection(sheet=first_sheet, max_row=first_rows, max_col=first_cols)
    inspection.others = [(sheet, rows > 0) for sheet, rows, _cols, _formulas in tables[1:]]
    return inspection
