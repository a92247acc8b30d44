"""`inspect_xls`: an OLE2 compound file (.xls of Excel 97–2003, WPS; encrypted Office files) checked before calamine
reads it (DESIGN.md §5, THREATS.md F10).

Calamine trusts the container and the workbook: it reserves room for the cells a sheet's DIMENSIONS record
declares, for the strings the SST record declares, and parses every sheet when the file is opened — a few
hundred hostile bytes can ask it for gigabytes. So the header (magic, version, sector sizes and counts), the
FAT and directory chains and the workbook stream are read here first, every chain bounded and loop-free, and
the BIFF8 records of every sheet are walked for where the cells really are: the same limits and messages as
an .xlsx (rows, columns, formulas, macros, encryption).
"""

from __future__ import annotations

import struct
from array import array

from openpyxl.utils import get_column_letter

from .core import (
    _OLE_MAGIC,
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
    SpreadsheetError,
    _error,
    _Inspection,
    _Limits,
    _Sheet,
)

_END_OF_CHAIN = 0xFFFFFFFE
_MINI_CUTOFF = 4096
_ENTRY = 128
_STREAM, _STORAGE, _ROOT = 2, 1, 5
_ENCRYPTION_STREAMS = {"encryptedpackage", "encryptioninfo"}  # MS-OFFCRYPTO: an encrypted .xlsx or .docx
_MACRO_STORAGES = {"_vba_project_cur", "_vba_project", "macros"}
_DECISIVE_STREAMS = {"workbook", "book"} | _ENCRYPTION_STREAMS

# BIFF8 records (MS-XLS 2.3)
_BOF, _EOF, _FILEPASS, _BOUNDSHEET, _SST, _DIMENSIONS = 0x0809, 0x000A, 0x002F, 0x0085, 0x00FC, 0x0200
_FORMULA, _MULRK = 0x0006, 0x00BD
_VALUE_CELLS = {
    0x0203,
    0x0204,
    0x0205,
    0x00FD,
    0x027E,
    0x00D6,
    _FORMULA,
}  # number, label, bool, sst, rk, rstring
_BIFF8 = 0x0600
_SHEET_KINDS = {0: "worksheet", 1: "macrosheet", 2: "chartsheet", 6: "vbamodule"}


def inspect_xls(data: bytes, limits: _Limits) -> _Inspection:
    """Refuse an OLE file that is not a plain, bounded BIFF8 workbook; return its first worksheet and bounds."""
    streams, storages, read_stream = _directory(data)
    if streams.keys() & _ENCRYPTION_STREAMS:
        raise SpreadsheetError(FILE_ENCRYPTED)
    if storages & _MACRO_STORAGES:
        raise SpreadsheetError(FILE_MACROS)
    names = [name for name in ("workbook", "book") if name in streams]
    if not names:
        raise SpreadsheetError(FILE_FORMAT_UNSUPPORTED)  # a Word, PowerPoint, WPS or other OLE file
    if len(names) > 1:
        raise SpreadsheetError(FILE_CORRUPT)  # calamine would take "Workbook"; nothing legitimate has both
    return _scan_workbook(read_stream(streams[names[0]]), limits)


def _directory(data: bytes):
    """The streams (lower-cased name → (start, size)) and storages of the file, and a reader of one stream."""
    if len(data) < 512 or data[:8] != _OLE_MAGIC:
        raise SpreadsheetError(FILE_CORRUPT)
    _minor, major, byte_order, sector_shift, mini_shift = struct.unpack_from("<5H", data, 24)
    if byte_order != 0xFFFE or (major, sector_shift) not in {(3, 9), (4, 12)} or mini_shift != 6:
        raise SpreadsheetError(FILE_CORRUPT)
    (
        _dir_sectors,
        fat_count,
        first_dir,
        _txn,
        cutoff,
        first_minifat,
        minifat_count,
        first_difat,
        difat_count,
    ) = struct.unpack_from("<9I", data, 40)
    size = 1 << sector_shift
    sectors = len(data) // size - 1  # sector 0 starts after the header, which takes one sector
    if cutoff != _MINI_CUTOFF or sectors < 1 or max(fat_count, minifat_count, difat_count) > sectors:
        raise SpreadsheetError(FILE_CORRUPT)

    def sector(number: int) -> bytes:
        if not 0 <= number < sectors:
            raise SpreadsheetError(FILE_CORRUPT)
        return data[(number + 1) * size : (number + 2) * size]

    difat = list(struct.unpack_from("<109I", data, 76))
    seen: set[int] = set()
    following = first_difat
    for _ in range(difat_count):
        if following in seen:
            raise SpreadsheetError(FILE_CORRUPT)
        seen.add(following)
        entries = array("I", sector(following))
        difat.extend(entries[:-1])
        following = entries[-1]
    fat = array("I")
    for number in difat[:fat_count]:
        fat.frombytes(sector(number))
    if len(fat) * 4 != fat_count * size:
        raise SpreadsheetError(FILE_CORRUPT)

    def chain(start: int, table: array, limit: int) -> list[int]:
        numbers, current = [], start
        while current != _END_OF_CHAIN:
            if current >= len(table) or len(numbers) >= limit:
                raise SpreadsheetError(FILE_CORRUPT)  # out of range, or a loop
            numbers.append(current)
            current = table[current]
        return numbers

    directory = b"".join(sector(n) for n in chain(first_dir, fat, sectors))
    streams: dict[str, tuple[int, int]] = {}
    storages: set[str] = set()
    root: tuple[int, int] | None = None
    for offset in range(0, len(directory) - _ENTRY + 1, _ENTRY):
        entry = directory[offset : offset + _ENTRY]
        (name_length,) = struct.unpack_from("<H", entry, 64)
        kind = entry[66]
        if kind == 0:
            continue
        if name_length > 64 or name_length % 2:
            raise SpreadsheetError(FILE_CORRUPT)
        name = entry[: max(name_length - 2, 0)].decode("utf-16-le", "replace").lower()
        start, length = struct.unpack_from("<IQ", entry, 116)
        if major == 3:
            length &= 0xFFFFFFFF  # version 3 files may leave garbage in the high half
        if kind == _ROOT and offset == 0:
            root = (start, length)
        elif kind == _STREAM:
            if length > len(data) or (name in streams and name in _DECISIVE_STREAMS):
                # Calamine takes the first stream of a name anywhere in the tree: two workbooks, one unseen.
                raise SpreadsheetError(FILE_CORRUPT)
            streams.setdefault(name, (start, length))  # embedded objects repeat \x01Ole, \x01CompObj…
        elif kind == _STORAGE:
            storages.add(name)
        else:
            raise SpreadsheetError(FILE_CORRUPT)
    if root is None:
        raise SpreadsheetError(FILE_CORRUPT)

    def read_stream(place: tuple[int, int]) -> bytes:
        start, length = place
        if length >= _MINI_CUTOFF:
            content = b"".join(sector(n) for n in chain(start, fat, sectors))
        else:
            if root[1] > len(data):
                raise SpreadsheetError(FILE_CORRUPT)
            mini_stream = b"".join(sector(n) for n in chain(root[0], fat, sectors))
            minifat = array("I", b"".join(sector(n) for n in chain(first_minifat, fat, minifat_count)))
            content = b"".join(
                mini_stream[n * 64 : (n + 1) * 64] for n in chain(start, minifat, len(mini_stream) // 64)
            )
        if len(content) < length:
            raise SpreadsheetError(FILE_CORRUPT)
        return content[:length]

    return streams, storages, read_stream


def _records(stream: bytes, position: int):
    """(type, data) of the BIFF records from `position` to the next EOF record (or the end)."""
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4 : position + 4 + length]
        if len(body) != length:
            raise SpreadsheetError(FILE_CORRUPT)
        yield kind, body
        if kind == _EOF:
            return
        position += 4 + length


def _scan_workbook(stream: bytes, limits: _Limits) -> _Inspection:
    sheets: list[tuple[_Sheet, int]] = []
    first = True
    for kind, body in _records(stream, 0):
        if first:
            if kind != _BOF or len(body) < 4 or struct.unpack_from("<H", body)[0] != _BIFF8:
                raise SpreadsheetError(FILE_FORMAT_UNSUPPORTED)  # Excel 95 and older: BIFF5 or less
            first = False
        elif kind == _FILEPASS:
            raise SpreadsheetError(FILE_ENCRYPTED)
        elif kind == _BOUNDSHEET:
            sheets.append(_boundsheet(body))
        elif kind == _SST and len(body) >= 8 and struct.unpack_from("<I", body, 4)[0] > len(stream) // 3 + 1:
            # Calamine reserves the declared number of strings before reading one; each takes 3 bytes at least.
            raise SpreadsheetError(FILE_CORRUPT)
    if first:
        raise SpreadsheetError(FILE_CORRUPT)
    if any(sheet.kind in ("macrosheet", "vbamodule") for sheet, _position in sheets):
        raise SpreadsheetError(FILE_MACROS)
    worksheets = [sheet for sheet, _position in sheets if sheet.kind == "worksheet"]
    if not worksheets:
        raise SpreadsheetError(FILE_NO_WORKSHEET)
    if len({sheet.name for sheet, _position in sheets}) != len(sheets):
        raise SpreadsheetError(FILE_CORRUPT)
    inspection = _Inspection(sheet=worksheets[0])
    cells = 0
    for sheet, position in sheets:
        # Calamine parses every sheet when it opens the file: every sheet is bounded, not only the first.
        max_row, max_col, formulas = _scan_sheet(stream, position, limits)
        cells += max_row * max_col
        if cells > CALAMINE_MAX_CELLS:
            raise _error(FILE_TOO_MANY_CELLS, rows=max_row, cols=max_col)
        if sheet is inspection.sheet:
            if formulas:
                raise _error(FILE_FORMULAS, cells="、".join(formulas))
            inspection.max_row, inspection.max_col = max_row, max_col
        else:
            inspection.others.append((sheet, max_row > 0))
    return inspection


def _boundsheet(body: bytes) -> tuple[_Sheet, int]:
    if len(body) < 8:
        raise SpreadsheetError(FILE_CORRUPT)
    position, state, kind, length, flags = struct.unpack_from("<IBBBB", body)
    raw = body[8:]
    if flags & 0x01:
        name = raw[: 2 * length].decode("utf-16-le", "replace")
        complete = len(raw) >= 2 * length
    else:
        name = raw[:length].decode("latin-1")
        complete = len(raw) >= length
    if not complete or not name:
        raise SpreadsheetError(FILE_CORRUPT)
    sheet = _Sheet(name=name, hidden=state != 0, kind=_SHEET_KINDS.get(kind, "other"), path="")
    return sheet, position


def _scan_sheet(stream: bytes, position: int, limits: _Limits) -> tuple[int, int, list[str]]:
    """Bounds (max row, max column, 1-based) of the cells holding a value, and the first formula cells."""
    if position >= len(stream):
        raise SpreadsheetError(FILE_CORRUPT)
    max_row = max_col = 0
    formulas: list[str] = []
    first = True
    for kind, body in _records(stream, position):
        if first:
            if kind != _BOF:
                raise SpreadsheetError(FILE_CORRUPT)
            first = False
            continue
        if kind == _DIMENSIONS:
            if len(body) < 12:
                raise SpreadsheetError(FILE_CORRUPT)
            first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body)
            if first_row > last_row or first_col > last_col:
                raise SpreadsheetError(FILE_CORRUPT)
            # Calamine reserves (rows × columns) cells for what this record declares, before any cell is read:
            # 4 billion rows abort it. Within the limits the reservation is address space it never touches.
            _bound(last_row, last_col, limits)
        elif kind in _VALUE_CELLS or kind == _MULRK:
            if len(body) < 6:
                raise SpreadsheetError(FILE_CORRUPT)
            row, col = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0] if kind == _MULRK else col
            if last < col:
                raise SpreadsheetError(FILE_CORRUPT)
            max_row, max_col = max(max_row, row + 1), max(max_col, last + 1)
            _bound(max_row, max_col, limits)
            if kind == _FORMULA and len(formulas) < FORMULA_CELLS_SHOWN:
                formulas.append(f"{get_column_letter(col + 1)}{row + 1}")
    return max_row, max_col, formulas


def _bound(rows: int, cols: int, limits: _Limits) -> None:
    if rows > limits.row_bound:
        raise _error(FILE_TOO_MANY_ROWS, limit=limits.max_rows)
    if cols > limits.max_cols:
        raise _error(FILE_TOO_MANY_COLUMNS, limit=limits.max_cols)
