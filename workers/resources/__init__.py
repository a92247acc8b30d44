"""Column mapping and cell parsing of the quarterly return (季度报表, DESIGN.md §5).

Headers are matched by text after trimming (never by position). Each cell is parsed into a plain value or a
Chinese message saying how to fix it; the rules that decide whether a row may be written live in
`workers.returns` and `workers.services`. A package because one file passed ~400 lines (STYLE.md):
`headers` holds the column texts and their help, `columns` the mapping of a file's columns when its header
is not found, `rows` the column map and cell parsing of one row (and the
way back from a ledger employment), `workbooks` the files the clerks download — blank template, error
report and ledger export. Callers keep importing from `workers.resources` (`from .. import resources as R`).
"""

from wanzhou_jobs.spreadsheets import ACCEPTED_EXTENSIONS, ACCEPTED_FORMATS, check_file_name

from .columns import (
    MAPPING_FIELD_TWICE,
    MAPPING_OPTION_FORM,
    MAPPING_READ,
    MAPPING_REQUIRED_MISSING,
    MAPPING_UNKNOWN_FIELD,
    NOT_READ,
    guess_mapping,
    headers_fingerprint,
    mapping_problems,
    mapping_warning,
    masked_sample,
    parse_map_options,
)
from .headers import (
    ALL_HEADERS,
    FORMATS_HELP,
    H_CATEGORIES,
    H_CHANNEL,
    H_CREDIT,
    H_EMPLOYER,
    H_FORM,
    H_ID,
    H_INCOME,
    H_INDUSTRY,
    H_NAME,
    H_PHONE,
    H_RETURNEE,
    H_START,
    H_TOWNSHIP,
    H_VILLAGE,
    H_WORKPLACE,
    HEADER_ALIASES,
    HEADER_HELP,
    OPTIONAL,
    REQUIRED,
    TEMPLATE_LAST_ROW,
    template_blank_values,
    template_prefill,
)
from .rows import (
    REQUIRED_EMPTY,
    TEXT_INVISIBLE,
    TEXT_TOO_LONG,
    UNKNOWN_CATEGORY,
    UNKNOWN_FORM,
    UNKNOWN_INDUSTRY,
    UNKNOWN_TOWNSHIP,
    UNKNOWN_WORKPLACE,
    Lookups,
    ParsedRow,
    parse_row,
    read_return,
    row_values_for_export,
)
from .workbooks import WORKPLACE_OUTSIDE, blank_template, error_report, ledger_export

__all__ = [
    # the formats a return may come in (DESIGN.md §5), for the upload page and the template
    "ACCEPTED_EXTENSIONS",
    "ACCEPTED_FORMATS",
    "check_file_name",
    # column mapping
    "MAPPING_FIELD_TWICE",
    "MAPPING_OPTION_FORM",
    "MAPPING_READ",
    "MAPPING_REQUIRED_MISSING",
    "MAPPING_UNKNOWN_FIELD",
    "NOT_READ",
    "guess_mapping",
    "headers_fingerprint",
    "mapping_problems",
    "mapping_warning",
    "masked_sample",
    "parse_map_options",
    # headers
    "ALL_HEADERS",
    "H_CATEGORIES",
    "H_CHANNEL",
    "H_CREDIT",
    "H_EMPLOYER",
    "H_FORM",
    "H_ID",
    "H_INCOME",
    "H_INDUSTRY",
    "H_NAME",
    "H_PHONE",
    "H_RETURNEE",
    "H_START",
    "H_TOWNSHIP",
    "H_VILLAGE",
    "H_WORKPLACE",
    "FORMATS_HELP",
    "HEADER_ALIASES",
    "HEADER_HELP",
    "OPTIONAL",
    "REQUIRED",
    "TEMPLATE_LAST_ROW",
    "template_blank_values",
    "template_prefill",
    # rows
    "REQUIRED_EMPTY",
    "TEXT_INVISIBLE",
    "TEXT_TOO_LONG",
    "UNKNOWN_CATEGORY",
    "UNKNOWN_FORM",
    "UNKNOWN_INDUSTRY",
    "UNKNOWN_TOWNSHIP",
    "UNKNOWN_WORKPLACE",
    "Lookups",
    "ParsedRow",
    "parse_row",
    "read_return",
    "row_values_for_export",
    # workbooks
    "WORKPLACE_OUTSIDE",
    "blank_template",
    "error_report",
    "ledger_export",
]
