"""CSV uploads (DESIGN.md §5): UTF-8 with or without BOM, or GB18030/GBK as Excel and WPS export them on Chinese
Windows, found from the bytes themselves; the delimiter (comma, tab or semicolon) from the first lines.

A CSV goes through the same bounds as a workbook — the file size before anything is read, then rows and
columns as they are read — and its rows through the same header search, empty-row rule and cell checks. A file
that is not text (a NUL byte, UTF-16) or mixes encodings line by line is refused rather than guessed at.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from .core import (
    CSV_ENCODING,
    CSV_MALFORMED,
    CSV_MIXED_ENCODING,
    CSV_NUL,
    FILE_TOO_MANY_COLUMNS,
    FILE_TOO_MANY_ROWS,
    SpreadsheetError,
    _error,
    _Limits,
)

DELIMITERS = (",", "\t", ";")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SAMPLE_LINES = 10


def decode_csv(data: bytes) -> str:
    """The text of a CSV upload: UTF-8 (BOM or not), else GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    elif data.startswith(_UTF16_BOMS):
        raise SpreadsheetError(
            CSV_ENCODING
        )  # Excel's "Unicode text": UTF-16, not one of the encodings asked for
    if b"\x00" in data:
        raise SpreadsheetError(CSV_NUL)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not UTF-8 as a whole. A line that is UTF-8 Chinese in a file that is not: two encodings pasted together,
    # and decoding the whole as GB18030 would turn those lines into plausible nonsense.
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(_CJK.findall(text)) >= 2:
            raise _error(CSV_MIXED_ENCODING, line=number)
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SpreadsheetError(CSV_ENCODING) from None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most fields (comma on a tie)."""
    sample = text.splitlines()[:_SAMPLE_LINES]

    def widest(delimiter: str) -> int:
        try:
            return max((len(row) for row in csv.reader(sample, delimiter=delimiter)), default=0)
        except csv.Error:
            return 0

    return max(DELIMITERS, key=widest)


def csv_rows(data: bytes, limits: _Limits) -> Iterator[tuple[int, list]]:
    """(row number, cell texts) of a CSV upload; empty cells are None. Row numbers are the records' numbers,
    as Excel shows them when it opens the file."""
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=True)
    # One object per distinct text, as the calamine child does: a return repeats its townships, industries,
    # dates and employers on every row.
    canonical: dict[str, str] = {}
    try:
        for number, record in enumerate(reader, start=1):
            values = [canonical.setdefault(value, value) if value.strip() else None for value in record]
            while values and values[-1] is None:
                values.pop()
            if not values:
                continue
            if number > limits.row_bound:
                raise _error(FILE_TOO_MANY_ROWS, limit=limits.max_rows)
            if len(values) > limits.max_cols:
                raise _error(FILE_TOO_MANY_COLUMNS, limit=limits.max_cols)
            yield number, values
    except csv.Error:
        raise _error(CSV_MALFORMED, line=reader.line_num) from None
