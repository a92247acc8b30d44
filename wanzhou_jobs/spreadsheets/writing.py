"""Writing .xlsx and .csv exports that cannot run formulas (THREATS.md E5–E7): cells starting with = + - @
(or a control character) are written as text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
from django.utils.functional import Promise
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .cells import clean_text
from .core import MAX_TEXT_LENGTH

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
