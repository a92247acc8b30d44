"""Column mapping of a return whose header is not found (DESIGN.md §5, issue 17 item 4): which of the file's
columns is which field of the return. A mapping only names columns — every cell is then read and checked as
under its own header, so no check is bypassed.

A mapping is a dict of the file's header texts to return headers (`ALL_HEADERS`), "" for a column not read.
`guess_mapping` pre-selects the mapping page's dropdowns (a mapping remembered for the same header texts
first, then the header's wording, then the column's first values), `mapping_problems` is what a confirmed
mapping must satisfy, `parse_map_options` reads the command's `--map 'FILE HEADER=FIELD HEADER'`.
"""

import hashlib
import re

from django.utils.translation import gettext_lazy as _

from targets.selectors import industry_lookup, industry_resolve, township_lookup, township_resolve
from wanzhou_jobs.spreadsheets import Column, header_key, parse_date

from ..models import EmploymentForm
from .headers import (
    ALL_HEADERS,
    H_FORM,
    H_ID,
    H_INDUSTRY,
    H_PHONE,
    H_START,
    H_TOWNSHIP,
    H_WORKPLACE,
    HEADER_ALIASES,
    REQUIRED,
)

MAPPING_REQUIRED_MISSING = _("必填栏目“{header}”还没有对应文件中的列，请选择。")
MAPPING_FIELD_TWICE = _("栏目“{header}”对应了多列（{columns}），每个栏目只能对应一列。")
MAPPING_UNKNOWN_FIELD = _("“{field}”不是季度报表的栏目，可选：{choices}。")
MAPPING_OPTION_FORM = _("--map 的写法应为 '文件表头=栏目'，如 --map '身份证=公民身份号码'；现为“{option}”。")
MAPPING_READ = _("已按确认的列对应读取：{pairs}。")
NOT_READ = "不导入"

_ID = re.compile(r"^\d{17}[\dXx]$")
_PHONE = re.compile(r"^1\d{10}$")


def headers_fingerprint(texts) -> tuple[str, list[str]]:
    """(SHA-256 of the header texts as matched, sorted; those texts): how a remembered mapping is found."""
    keys = sorted({header_key(text) for text in texts if header_key(text)})
    return hashlib.sha256("\n".join(keys).encode()).hexdigest(), keys


def _spellings() -> dict[str, str]:
    spellings = {header_key(name): name for name in ALL_HEADERS}
    for name, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            spellings.setdefault(header_key(alias), name)
    return spellings


def field_of(text: str) -> str | None:
    """The return header a field name given on the command line means (its name or one of its aliases)."""
    return _spellings().get(header_key(text))


def _by_wording(key: str, spellings: dict[str, str]) -> str | None:
    if key in spellings:
        return spellings[key]
    # 身份证 is in 身份证号, 工作单位名称 holds 工作单位: one field only, else no guess.
    found = {
        name for spelling, name in spellings.items() if len(key) >= 2 and (key in spelling or spelling in key)
    }
    return found.pop() if len(found) == 1 else None


def _by_values(samples: list[str], townships: dict, industries: dict) -> list[str]:
    """The fields the first values of a column look like, likeliest first."""
    if not samples:
        return []

    def all_(test) -> bool:
        return all(test(value) for value in samples)

    def is_date(value: str) -> bool:
        if value.isdigit() and len(value) != 8:
            return False  # an amount or a count, not a serial date: too easily mistaken
        try:
            return parse_date(value) is not None
        except Exception:  # noqa: BLE001 - any refusal means "not a date"
            return False

    if all_(_ID.match):
        return [H_ID]
    if all_(_PHONE.match):
        return [H_PHONE]
    if all_(lambda v: v.replace(" ", "") in EmploymentForm.values):
        return [H_FORM]
    if all_(lambda v: township_resolve(v, townships) is not None):
        return [H_TOWNSHIP, H_WORKPLACE]
    if all_(lambda v: industry_resolve(v, industries) is not None):
        return [H_INDUSTRY]
    if all_(is_date):
        return [H_START]
    return []


def guess_mapping(columns: list[Column], remembered: dict | None = None) -> dict[int, str]:
    """Column index → the return header pre-selected for it ("" for none): the mapping remembered for these
    header texts, else each column's wording, else its first values; a field is offered for one column."""
    remembered = {header_key(text): name for text, name in (remembered or {}).items()}
    if remembered:
        return {c.index: remembered.get(header_key(c.text), "") for c in columns}
    spellings = _spellings()
    guess: dict[int, str] = {}
    taken: set[str] = set()
    for column in columns:
        name = _by_wording(header_key(column.text), spellings)
        if name and name not in taken:
            guess[column.index] = name
            taken.add(name)
    townships, industries = township_lookup(), industry_lookup()
    for column in columns:
        if column.index in guess:
            continue
        for name in _by_values(column.samples, townships, industries):
            if name not in taken:
                guess[column.index] = name
                taken.add(name)
                break
    return {c.index: guess.get(c.index, "") for c in columns}


def mapping_problems(mapping: dict[str, str], *, complete: bool = True) -> list[str]:
    """What is wrong with a confirmed mapping (file header → return header or ""): no field twice, and
    when it is `complete` (every column of the file, as the page sends it) every required field once."""
    by_field: dict[str, list[str]] = {}
    for text, name in mapping.items():
        if name:
            by_field.setdefault(name, []).append(text)
    problems = [
        str(MAPPING_FIELD_TWICE.format(header=name, columns="、".join(f"“{t}”" for t in texts)))
        for name, texts in by_field.items()
        if len(texts) > 1
    ]
    if complete:
        problems += [
            str(MAPPING_REQUIRED_MISSING.format(header=name)) for name in REQUIRED if name not in by_field
        ]
    return problems


def parse_map_options(options: list[str]) -> dict[str, str]:
    """`--map 'FILE HEADER=FIELD HEADER'` options as a mapping; ValueError with the message otherwise. An
    empty FIELD HEADER leaves the column out. Only the columns named are mapped; the others are read by
    their own headers."""
    mapping: dict[str, str] = {}
    for option in options:
        text, sep, field = option.partition("=")
        if not sep or not text.strip():
            raise ValueError(str(MAPPING_OPTION_FORM.format(option=option)))
        name = field_of(field) if field.strip() else ""
        if name is None:
            raise ValueError(
                str(MAPPING_UNKNOWN_FIELD.format(field=field.strip(), choices="、".join(ALL_HEADERS)))
            )
        mapping[text.strip()] = name
    return mapping


def masked_sample(text: str) -> str:
    """A first value as the mapping page shows it: ID numbers and mobile numbers masked (it is a list)."""
    from ..validators import mask_id_number, mask_phone

    if _ID.match(text):
        return mask_id_number(text)
    if _PHONE.match(text):
        return mask_phone(text)
    return text


def mapping_warning(mapping: dict[str, str]) -> str:
    """The mapping in the template's field order, columns not read last: the same words whether the mapping
    came from the page, the command or the database (PostgreSQL's jsonb does not keep key order)."""
    order = {header: n for n, header in enumerate(ALL_HEADERS)}
    ranked = sorted(mapping.items(), key=lambda pair: (order.get(pair[1], len(order)), pair[0]))
    pairs = "；".join(f"“{text}”→{f'“{name}”' if name else NOT_READ}" for text, name in ranked)
    return str(MAPPING_READ.format(pairs=pairs))
