"""Reading untrusted uploads safely (.xlsx, .xls, .ods, .csv), and writing .xlsx/.csv exports that cannot run formulas.

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

Every failure of a hostile or broken file becomes a `SpreadsheetError` with one of the messages of `core`;
library exceptions never reach the caller, and the log records only their type, never file content.

The other formats of DESIGN.md §5 take the same road: `formats` tells the format from the bytes, `ole` bounds an
.xls (the OLE container and its BIFF records), `ods` an .ods (the zip, then the repeat counts of content.xml),
both before calamine reads them, and `csvfiles` decodes and splits a CSV; every format's rows then go through
the same header search, empty-row rule and limits, with the same messages.

The package, stage by stage: `core` (messages, limits, the error and row types), `container` (the zip),
`formats`, `inspection` (`inspect_xlsx`), `ole`, `ods`, `csvfiles`, `headers` (finding the header: aliases,
two-row headers, close spellings), `reading` (`read_rows`), `cells` (cell parsing), `writing` (safe exports).
Import from here.
"""

from .cells import clean_text, parse_amount, parse_date, parse_yes_no
from .core import (
    ACCEPTED_FORMATS,
    AMOUNT_INVALID,
    CALAMINE_MAX_CELLS,
    CALAMINE_MEMORY_LIMIT,
    CALAMINE_OUTPUT_LIMIT,
    CALAMINE_TIMEOUT,
    CSV_ENCODING,
    CSV_MALFORMED,
    CSV_MIXED_ENCODING,
    CSV_NUL,
    DATE_INVALID,
    FILE_CORRUPT,
    FILE_EMPTY,
    FILE_ENCRYPTED,
    FILE_FORMAT_UNSUPPORTED,
    FILE_FORMULAS,
    FILE_LEGACY_XLS,
    FILE_MACROS,
    FILE_NO_WORKSHEET,
    FILE_NOT_XLSX,
    FILE_TOO_LARGE,
    FILE_TOO_MANY_CELLS,
    FILE_TOO_MANY_COLUMNS,
    FILE_TOO_MANY_ROWS,
    FILE_XML_DTD,
    FILE_ZIP_BOMB,
    FIRST_SHEET_HIDDEN,
    FORMULA_CELLS_SHOWN,
    HEADER_DUPLICATE,
    HEADER_MISSING,
    HEADER_TAKEN_AS,
    HIDDEN_MARK,
    MAX_BYTES,
    MAX_COLS,
    MAX_MEMBERS,
    MAX_PART_BYTES,
    MAX_RATIO,
    MAX_ROWS,
    MAX_TAG_BYTES,
    MAX_TEXT_LENGTH,
    MAX_UNCOMPRESSED,
    MB,
    OTHER_SHEETS_IGNORED,
    RATIO_MIN_MEMBER_SIZE,
    SHOWN_VALUE_LENGTH,
    UNKNOWN_COLUMNS_IGNORED,
    VALUE_REQUIRED,
    YES_NO_INVALID,
    Row,
    SheetColumns,
    SheetData,
    SpreadsheetError,
    openpyxl_uses_defusedxml,
)
from .formats import ACCEPTED_EXTENSIONS, check_file_name, detect_format
from .headers import Column, HeaderMissing, header_key
from .inspection import inspect_xlsx
from .reading import read_columns, read_rows
from .writing import csv_safe, safe_cell, safe_cell_value, write_safe_row, write_xlsx

__all__ = [
    "ACCEPTED_EXTENSIONS",
    "ACCEPTED_FORMATS",
    "AMOUNT_INVALID",
    "CALAMINE_MAX_CELLS",
    "CALAMINE_MEMORY_LIMIT",
    "CALAMINE_OUTPUT_LIMIT",
    "CALAMINE_TIMEOUT",
    "CSV_ENCODING",
    "Column",
    "CSV_MALFORMED",
    "CSV_MIXED_ENCODING",
    "CSV_NUL",
    "DATE_INVALID",
    "FILE_CORRUPT",
    "FILE_EMPTY",
    "FILE_ENCRYPTED",
    "FILE_FORMAT_UNSUPPORTED",
    "FILE_FORMULAS",
    "FILE_LEGACY_XLS",
    "FILE_MACROS",
    "FILE_NOT_XLSX",
    "FILE_NO_WORKSHEET",
    "FILE_TOO_LARGE",
    "FILE_TOO_MANY_CELLS",
    "FILE_TOO_MANY_COLUMNS",
    "FILE_TOO_MANY_ROWS",
    "FILE_XML_DTD",
    "FILE_ZIP_BOMB",
    "FIRST_SHEET_HIDDEN",
    "FORMULA_CELLS_SHOWN",
    "HEADER_DUPLICATE",
    "HEADER_MISSING",
    "HEADER_TAKEN_AS",
    "HeaderMissing",
    "HIDDEN_MARK",
    "MAX_BYTES",
    "MAX_COLS",
    "MAX_MEMBERS",
    "MAX_PART_BYTES",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_TAG_BYTES",
    "MAX_TEXT_LENGTH",
    "MAX_UNCOMPRESSED",
    "MB",
    "OTHER_SHEETS_IGNORED",
    "RATIO_MIN_MEMBER_SIZE",
    "Row",
    "SHOWN_VALUE_LENGTH",
    "SheetColumns",
    "SheetData",
    "SpreadsheetError",
    "UNKNOWN_COLUMNS_IGNORED",
    "VALUE_REQUIRED",
    "YES_NO_INVALID",
    "check_file_name",
    "clean_text",
    "csv_safe",
    "detect_format",
    "header_key",
    "inspect_xlsx",
    "openpyxl_uses_defusedxml",
    "parse_amount",
    "read_columns",
    "parse_date",
    "parse_yes_no",
    "read_rows",
    "safe_cell",
    "safe_cell_value",
    "write_safe_row",
    "write_xlsx",
]
