"""`read_rows`: an upload of any accepted format, told by its bytes (`formats`) and inspected (`inspection` for
.xlsx, `ole` for .xls, `ods`), handed to a parser — python-calamine in a child process with a memory, time and
output limit when the cell area fits its dense grid, else openpyxl read-only (.xlsx only); a CSV is read by
`csvfiles` — and its rows collected under the header the caller asks for (DESIGN.md §5: title rows above,
merged cells, extra columns), the same way for every format."""

from __future__ import annotations

import io
import logging
import os
import pickle
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import ExitStack

import openpyxl

from .cells import clean_text
from .container import _opened
from .core import (
    CALAMINE_MAX_CELLS,
    CALAMINE_MEMORY_LIMIT,
    CALAMINE_OUTPUT_LIMIT,
    CALAMINE_TIMEOUT,
    FILE_CORRUPT,
    FILE_TOO_MANY_ROWS,
    FIRST_SHEET_HIDDEN,
    HIDDEN_MARK,
    MAX_BYTES,
    MAX_COLS,
    MAX_RATIO,
    MAX_ROWS,
    MAX_UNCOMPRESSED,
    OTHER_SHEETS_IGNORED,
    Row,
    SheetColumns,
    SheetData,
    SpreadsheetError,
    _error,
    _Inspection,
    _Limits,
    _Sheet,
)
from .csvfiles import csv_rows
from .formats import CSV, XLS, XLSX, detect_format
from .headers import find_header, header_warnings, sheet_columns
from .inspection import _inspect
from .ods import inspect_ods
from .ole import inspect_xls

logger = logging.getLogger(__name__)


# --- Reading ------------------------------------------------------------------------------------------


def read_rows(
    path_or_file,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    aliases: Mapping[str, Iterable[str]] | None = None,
    blank_values: Mapping[str, Collection[str]] | None = None,
    header_search_rows: int = 10,
    max_rows: int = MAX_ROWS,
    max_cols: int = MAX_COLS,
    max_bytes: int = MAX_BYTES,
    engine: str = "auto",
    mapping: Mapping[str, str] | None = None,
) -> SheetData:
    """The rows of the first worksheet under the header row, keyed by header name (DESIGN.md §5).

    The header row is the first of the first `header_search_rows` rows holding every required
    header — or the second of two rows that hold them together (a group cell merged above its
    sub-headers). A header is matched by its name or one of its `aliases` (header name → other
    spellings), after NFKC (full-width brackets and spaces), without spaces and `*`; a spelling one
    or two characters off a known one is taken for it, with a warning. Blank rows are skipped, and so are rows whose only values are, per header, among
    `blank_values` (cleaned text: what a template pre-fills); they are not counted in `max_rows`
    (the sheet's own bound, rows holding any value, still applies).
    `engine` is "auto", "calamine" or "openpyxl" (for tests and benchmarks; "auto" picks calamine
    unless the sheet's cell area is too large for it). `mapping` (file header text → header name, "" for
    a column left out) is a clerk's answer to a header not found (`read_columns`); it only names columns:
    every cell is read and checked as under its own header.
    """
    required, optional = list(required), list(optional)
    collect = {
        "required": required,
        "optional": optional,
        "aliases": aliases or {},
        "blank_values": blank_values or {},
        "header_search_rows": header_search_rows,
        "max_rows": max_rows,
        "mapping": mapping,
    }
    limits = _Limits(MAX_UNCOMPRESSED, MAX_RATIO, max_rows, max_cols, row_allowance=header_search_rows)
    return _read(path_or_file, limits, max_bytes, engine, lambda rows: _collect(rows, **collect))


def read_columns(
    path_or_file,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    aliases: Mapping[str, Iterable[str]] | None = None,
    header_search_rows: int = 10,
    samples: int = 3,
    max_rows: int = MAX_ROWS,
    max_cols: int = MAX_COLS,
    max_bytes: int = MAX_BYTES,
) -> SheetColumns:
    """The columns of a file whose header `read_rows` did not find, each with its first values, for a
    clerk to say which is which (DESIGN.md §5): read through the same bounds as `read_rows`."""
    limits = _Limits(MAX_UNCOMPRESSED, MAX_RATIO, max_rows, max_cols, row_allowance=header_search_rows)

    def consume(rows):
        header_row, columns = sheet_columns(
            rows,
            names=[*required, *optional],
            aliases=aliases or {},
            header_search_rows=header_search_rows,
            samples=samples,
        )
        return SheetColumns(header_row=header_row, columns=columns, warnings=[], sheet_name="")

    return _read(path_or_file, limits, max_bytes, "auto", consume)


def _read(path_or_file, limits: _Limits, max_bytes: int, engine: str, consume):
    """The first worksheet's rows of any accepted format, bounded, handed to `consume` (which returns a
    `SheetData` or `SheetColumns`)."""
    if engine not in ("auto", "calamine", "openpyxl"):
        raise ValueError(f"unknown engine {engine!r}")
    with _opened(path_or_file, max_bytes) as (fh, size):
        data = fh.read(size)  # one copy, so the file cannot change between inspection and reading
    kind = detect_format(io.BytesIO(data), len(data))
    if kind == CSV:
        sheet = consume(_guarded(csv_rows(data, limits)))
        sheet.sheet_name = "CSV"
        return sheet
    with ExitStack() as stack:
        children: list[_CalamineChild] = []

        def start_child(sheet: _Sheet) -> None:
            # Calamine starts on the sheet while the scan below bounds it: its answer is used only if
            # the scan passes, and the child is killed (the `with` block) if the scan refuses the file.
            if engine != "openpyxl" or kind != XLSX:
                children.append(stack.enter_context(_CalamineChild(data, sheet.name)))

        if kind == XLSX:
            inspection = _inspect(io.BytesIO(data), len(data), limits, on_sheet=start_child)
        else:
            # Only calamine reads .xls and .ods; their inspection bounds every sheet calamine will build.
            if kind == XLS:
                inspection = inspect_xls(data, limits)
            else:
                inspection = inspect_ods(io.BytesIO(data), len(data), limits)
            start_child(inspection.sheet)
        if kind != XLSX:
            engine = "calamine"
        elif engine == "auto":
            area = inspection.max_row * inspection.max_col
            engine = "calamine" if area <= CALAMINE_MAX_CELLS else "openpyxl"
        if engine == "calamine":
            rows = _calamine_rows(data, inspection, child=children[0] if children else None)
        else:
            rows = _openpyxl_rows(data, inspection)
        sheet = consume(_guarded(rows))
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
        if not self._exited_in_time(max(0.0, self._deadline - time.monotonic())):
            self._process.kill()
        self._process.wait()
        if self._process.returncode != 0:
            logger.warning("calamine child failed with exit status %s", self._process.returncode)
            raise SpreadsheetError(FILE_CORRUPT)
        self._output.seek(0)
        return self._output.read()

    def _exited_in_time(self, timeout: float) -> bool:
        """Wait for the child's exit. `Popen.wait(timeout)` polls with sleeps of up to 50 ms, a tenth of a
        small file's whole import; a pidfd (Linux) becomes readable the moment the child exits."""
        try:
            pidfd = os.pidfd_open(self._process.pid)
        except (AttributeError, OSError):
            try:
                self._process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        try:
            readable, _, _ = select.select([pidfd], [], [], timeout)
        finally:
            os.close(pidfd)
        return bool(readable)

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


def _collect(
    rows: Iterator[tuple[int, list]],
    *,
    required: list[str],
    optional: list[str],
    aliases: Mapping[str, Iterable[str]],
    blank_values: Mapping[str, Collection[str]],
    header_search_rows: int,
    max_rows: int,
    mapping: Mapping[str, str] | None = None,
) -> SheetData:
    header_row, found, rows = find_header(
        rows,
        required=required,
        optional=optional,
        aliases=aliases,
        header_search_rows=header_search_rows,
        mapping=mapping,
    )
    columns = found.columns
    warnings = header_warnings(found)

    # The hot loop: 50,000 rows x 15 columns, so list comprehensions rather than per-cell calls.
    names = list(columns) + [name for name in [*required, *optional] if name not in columns]
    indexes = list(columns.values())
    width = max(indexes, default=-1) + 1
    absent = [None] * (len(names) - len(indexes))
    # Per picked column, the texts that leave a row empty (None: any value makes it a row).
    blank_at = [
        frozenset(map(clean_text, blank_values[name])) if name in blank_values else None for name in columns
    ]
    if not any(blank_at):
        blank_at = []
    result: list[Row] = []
    for number, values in rows:
        if len(values) < width:
            values = values + [None] * (width - len(values))
        picked = [values[index] for index in indexes]
        picked = [None if type(value) is str and not value.strip() else value for value in picked]
        if picked.count(None) == len(picked):
            continue
        if blank_at and all(
            value is None or (blank is not None and clean_text(value) in blank)
            for value, blank in zip(picked, blank_at, strict=True)
        ):
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
