"""Column mapping and cell parsing of one row of the quarterly return (季度报表, DESIGN.md §5).

Each cell is parsed into a plain value or a Chinese message saying how to fix it; `Lookups` holds one file's
township and industry tables and memoises the cells that repeat, and `parse_row` turns a row into a
`ParsedRow`; `read_return` reads a file's rows. `row_values_for_export` is the way back: a ledger employment as a row that re-imports as
"unchanged". The rules that decide whether a row may be written live in `workers.returns` and
`workers.services`.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from targets.selectors import industry_lookup, industry_resolve, township_lookup, township_resolve
from wanzhou_jobs.spreadsheets import SheetData, clean_text, parse_amount, parse_date, parse_yes_no, read_rows

from ..models import Category, Employer, Employment, EmploymentForm, Worker, Workplace
from ..services import employer_key, worker_check_name
from ..validators import has_invisible_characters, normalise_credit_code, normalise_id_number, normalise_phone
from .headers import (
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
    OPTIONAL,
    REQUIRED,
    template_blank_values,
)

UNKNOWN_TOWNSHIP = _("找不到镇乡街道“{value}”，请填写万州区镇乡街道的全称或区划代码。")
UNKNOWN_INDUSTRY = _("找不到行业“{value}”，请从下拉列表选择附件2中的行业或“其他行业”。")
UNKNOWN_WORKPLACE = _("就业地点“{value}”无法识别：区内请填镇乡街道名称，区外请填“区外市内”或“市外”。")
UNKNOWN_FORM = _("就业形式“{value}”不在可选范围内，可选：{choices}。")
UNKNOWN_CATEGORY = _("人员类别“{value}”无法识别，可选：{choices}。")
REQUIRED_EMPTY = _("“{header}”为必填项，请填写。")
TEXT_INVISIBLE = _("含有看不见的字符（如零宽空格、控制字符），请删除后重新输入。")
TEXT_TOO_LONG = _("内容过长：最多 {limit} 个字，现有 {length} 个字，请精简后重新导入。")

_SPLIT = re.compile(r"[、,，;；/\s]+")
_FORMS = frozenset(EmploymentForm.values)
_CATEGORIES = frozenset(Category.values)
_FORM_CHOICES = "、".join(EmploymentForm.values)
_CATEGORY_CHOICES = "、".join(Category.values)
_IN_DISTRICT = str(Workplace.IN_DISTRICT)
_OUT_OF_DISTRICT = {
    "区外市内": str(Workplace.IN_CITY),
    "市外": str(Workplace.OUT_OF_CITY),
    "区外": str(Workplace.IN_CITY),
}


def read_return(path, *, max_rows: int | None = None, mapping: dict | None = None) -> SheetData:
    """The rows of a return, its columns found by header or one of the usual office wordings
    (`HEADER_ALIASES`); rows holding nothing but what the blank template pre-fills are empty rows, like
    blank ones (DESIGN.md §5). The validation and the error report read files through here, so their row
    numbers agree. `mapping` (file header → return header, "" = not read) is a clerk's column mapping."""
    limits = {"max_rows": max_rows} if max_rows is not None else {}
    return read_rows(
        path,
        required=REQUIRED,
        optional=OPTIONAL,
        aliases=HEADER_ALIASES,
        blank_values=template_blank_values(),
        mapping=mapping,
        **limits,
    )


@dataclass(slots=True)
class ParsedRow:
    """One row of a return after cell parsing: values ready for the rules, or errors per header."""

    number: int
    raw: dict
    values: dict = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (header, message)

    def error(self, header: str, message) -> None:
        self.errors.append((header, str(message)))


class Lookups:
    """The resolution tables of one file (one query each), and a memo of parsed cells: most columns hold
    few distinct values (52 townships, 13 industries, a few hundred dates…), so each is parsed once."""

    def __init__(self):
        self.townships = township_lookup()
        self.industries = industry_lookup()
        self.employer_keys: dict[str, str] = {}
        # (header, field, parser, memo or None, message when a required cell is empty, value when empty)
        per_file = {  # parsers that need this file's tables
            H_TOWNSHIP: self._cell_township,
            H_INDUSTRY: self._cell_industry,
            H_WORKPLACE: self._cell_workplace,
        }
        self.columns = [
            (
                header,
                name,
                per_file.get(header, parser),
                {} if header in _MEMO_HEADERS else None,
                str(REQUIRED_EMPTY.format(header=header)) if header in REQUIRED else None,
                _EMPTY[name],
            )
            for header, (name, parser) in _COLUMNS.items()
        ]

    def _cell_township(self, value):
        return _resolved(value, township_resolve, self.townships, UNKNOWN_TOWNSHIP)

    def _cell_industry(self, value):
        return _resolved(value, industry_resolve, self.industries, UNKNOWN_INDUSTRY)

    def _cell_workplace(self, value):
        """(workplace, workplace township or None) of a 就业地点 cell."""
        text = clean_text(value)
        compact = text.replace(" ", "")
        if compact in _OUT_OF_DISTRICT:
            return _OUT_OF_DISTRICT[compact], None
        township = township_resolve(compact.removeprefix("万州区"), self.townships)
        if township is not None:
            return _IN_DISTRICT, township
        if compact in {"区内", "本区", "万州区"}:
            return _IN_DISTRICT, None  # "区内" alone: the township of registration, filled in below
        raise ValidationError(UNKNOWN_WORKPLACE.format(value=text))

    def employer_key(self, name: str) -> str:
        """`services.employer_key`, computed once per distinct name of the file."""
        key = self.employer_keys.get(name)
        if key is None:
            key = self.employer_keys[name] = employer_key(name)
        return key


def _resolved(value, resolve, table: dict, unknown):
    """The township or industry a cell names, or ValidationError quoting what was written."""
    text = clean_text(value)
    found = resolve(text, table)
    if found is None:
        raise ValidationError(unknown.format(value=text))
    return found


def _form(value) -> str:
    text = clean_text(value).replace(" ", "")
    if text not in _FORMS:
        raise ValidationError(UNKNOWN_FORM.format(value=text, choices=_FORM_CHOICES))
    return text


def _categories(value) -> tuple[str, ...]:
    items = [item for item in _SPLIT.split(clean_text(value)) if item]
    unknown = [item for item in items if item not in _CATEGORIES]
    if unknown:
        raise ValidationError(
            [UNKNOWN_CATEGORY.format(value=item, choices=_CATEGORY_CHOICES) for item in unknown]
        )
    return tuple(items)


def _run(parser, value) -> tuple[object, tuple[str, ...]]:
    try:
        return parser(value), ()
    except ValidationError as exc:
        return None, tuple(str(m) for m in exc.messages)


# The ledger fields' lengths, looked up once: a longer cell is refused, not cut or failed in the database.
_VILLAGE_MAX = Worker._meta.get_field("village").max_length
_EMPLOYER_MAX = Employer._meta.get_field("name").max_length
_CHANNEL_MAX = Employment._meta.get_field("channel").max_length

# header → (field, parser); a parser returns the value or raises ValidationError saying how to fix it.
_COLUMNS = {
    H_NAME: ("name", worker_check_name),  # its length is the ledger rule's
    H_ID: ("id_number", normalise_id_number),
    H_PHONE: ("phone", normalise_phone),
    H_TOWNSHIP: ("township", None),  # None: bound to the file's tables in Lookups
    H_VILLAGE: ("village", lambda value: _text(value, _VILLAGE_MAX)),
    H_CATEGORIES: ("categories", _categories),
    H_EMPLOYER: ("employer_name", lambda value: _text(value, _EMPLOYER_MAX)),
    H_CREDIT: ("credit_code", normalise_credit_code),
    H_INDUSTRY: ("industry", None),
    H_WORKPLACE: ("workplace", None),
    H_FORM: ("form", _form),
    H_START: ("start_date", parse_date),
    H_RETURNEE: ("returnee", parse_yes_no),
    H_CHANNEL: ("channel", lambda value: _text(value, _CHANNEL_MAX)),
    H_INCOME: ("monthly_income", parse_amount),
}
# Columns whose values repeat across rows; the ID number and phone are each person's own.
_MEMO_HEADERS = frozenset(_COLUMNS) - {H_ID, H_PHONE}
_EMPTY = {name: None for name, _parser in _COLUMNS.values()} | {
    "phone": "",
    "village": "",
    "credit_code": "",
    "channel": "",
    "returnee": False,
    "categories": (),
}


def parse_row(number: int, raw: dict, lookups: Lookups) -> ParsedRow:
    """Every cell of one row parsed (memoised per column); `values` has one entry per field."""
    row = ParsedRow(number=number, raw=raw)
    v, errors, get = row.values, row.errors, raw.get
    for header, name, parser, memo, required_message, empty in lookups.columns:
        value = get(header)
        if value is None or (type(value) is str and not value.strip()):
            if required_message is not None:
                errors.append((header, required_message))
            v[name] = empty
            continue
        if memo is None:
            parsed, messages = _run(parser, value)
        else:
            try:
                hit = memo.get(value)
            except TypeError:  # an unhashable cell value: parse it without the memo
                hit = _run(parser, value)
            if hit is None:
                hit = memo[value] = _run(parser, value)
            parsed, messages = hit
        if messages:
            errors.extend((header, message) for message in messages)
        v[name] = empty if parsed is None else parsed
    place = v["workplace"]
    if place is None:
        v["workplace_township"] = None
    else:
        workplace, township = place
        v["workplace"] = workplace
        v["workplace_township"] = (
            v["township"] if workplace == _IN_DISTRICT and township is None else township
        )
    v["returnee"] = bool(v["returnee"])
    v["employer_key"] = lookups.employer_key(v["employer_name"]) if v["employer_name"] else ""
    return row


def _text(value, limit: int | None = None) -> str:
    """A free-text cell, at most `limit` characters (the ledger field's length) when given."""
    text = clean_text(value)
    if has_invisible_characters(text):
        raise ValidationError(TEXT_INVISIBLE)
    if limit is not None and len(text) > limit:
        raise ValidationError(TEXT_TOO_LONG.format(limit=limit, length=len(text)))
    return text


def row_values_for_export(employment, *, masked: bool = False) -> list:
    """One ledger employment as a row of the return, in ALL_HEADERS order (round-trips as "unchanged");
    `masked`: the ID number and phone masked, for those who only read the ledger."""
    from ..validators import mask_id_number, mask_phone

    worker = employment.worker
    workplace = (
        employment.workplace_township.name
        if employment.workplace == Workplace.IN_DISTRICT
        else employment.get_workplace_display()
    )
    income = employment.monthly_income
    return [
        worker.name,
        mask_id_number(worker.id_number) if masked else worker.id_number,
        mask_phone(worker.phone) if masked else worker.phone,
        worker.township.name,
        worker.village,
        "、".join(worker.categories),
        employment.employer.name,
        employment.employer.credit_code,
        employment.industry.name,
        str(workplace),
        employment.form,
        employment.start_date.isoformat(),
        "是" if employment.returnee else "否",
        employment.channel,
        (
            str(income.normalize())
            if income is not None and income != income.to_integral()
            else str(int(income))
        )
        if income is not None
        else "",
    ]
