"""Column mapping and cell parsing of the quarterly return (季度报表, DESIGN.md §5).

Headers are matched by text after trimming (never by position). Each cell is parsed into a plain value or a
Chinese message saying how to fix it; the rules that decide whether a row may be written live in
`workers.returns` and `workers.services`.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from targets.selectors import industry_lookup, industry_resolve, township_lookup, township_resolve
from wanzhou_jobs.spreadsheets import clean_text, parse_amount, parse_date, parse_yes_no

from .models import Category, Employer, Employment, EmploymentForm, Worker, Workplace
from .services import employer_key, worker_check_name
from .validators import has_invisible_characters, normalise_credit_code, normalise_id_number, normalise_phone

H_NAME = "姓名"
H_ID = "公民身份号码"
H_PHONE = "联系电话"
H_TOWNSHIP = "户籍所在镇乡街道"
H_VILLAGE = "户籍所在村（社区）"
H_CATEGORIES = "人员类别"
H_EMPLOYER = "就业单位名称"
H_CREDIT = "统一社会信用代码"
H_INDUSTRY = "就业行业"
H_WORKPLACE = "就业地点"
H_FORM = "就业形式"
H_START = "就业时间"
H_RETURNEE = "是否返乡"
H_CHANNEL = "就业渠道"
H_INCOME = "月收入（元）"

REQUIRED = [H_NAME, H_ID, H_TOWNSHIP, H_EMPLOYER, H_INDUSTRY, H_WORKPLACE, H_FORM, H_START]
OPTIONAL = [H_PHONE, H_VILLAGE, H_CATEGORIES, H_CREDIT, H_RETURNEE, H_CHANNEL, H_INCOME]
ALL_HEADERS = [
    H_NAME, H_ID, H_PHONE, H_TOWNSHIP, H_VILLAGE, H_CATEGORIES, H_EMPLOYER, H_CREDIT, H_INDUSTRY, H_WORKPLACE,
    H_FORM, H_START, H_RETURNEE, H_CHANNEL, H_INCOME,
]  # fmt: skip
HEADER_HELP = {
    H_NAME: "必填。与身份证一致的姓名。",
    H_ID: "必填。18 位公民身份号码，最后一位可为 X。请先把本列设置为“文本”格式，否则 Excel 会把号码变成科学计数法。",
    H_PHONE: "选填。11 位手机号码。",
    H_TOWNSHIP: "必填。户籍所在镇乡街道名称（或 9 位/12 位区划代码）。",
    H_VILLAGE: "选填。户籍所在村（社区）。",
    H_CATEGORIES: "选填。可填多个，用顿号或逗号分隔：" + "、".join(Category.values),
    H_EMPLOYER: "必填。就业单位全称；灵活就业可填“灵活就业”。",
    H_CREDIT: "选填。就业单位的 18 位统一社会信用代码。",
    H_INDUSTRY: "必填。附件2中的 12 个行业之一，或“其他行业”；也可填行业代码 01–12、99。",
    H_WORKPLACE: "必填。区内填具体镇乡街道名称；区外市内填“区外市内”；市外填“市外”。",
    H_FORM: "必填。" + "、".join(EmploymentForm.values),
    H_START: "必填。就业开始日期，如 2025-03-15、2025/3/15、2025年3月15日 或 20250315。",
    H_RETURNEE: "选填。是 / 否（空白视为否）。回引返乡：从区外务工返回万州就业创业。",
    H_CHANNEL: "选填。如 零工市场、招聘活动、劳务品牌名称（三峡季工、万州面厨……）。",
    H_INCOME: "选填。月收入（元），不小于 0 的数字。",
}

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
    H_NAME: ("name", lambda value: worker_check_name(_text(value))),  # its length is the ledger rule's
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


def row_values_for_export(employment) -> list:
    """One ledger employment as a row of the return, in ALL_HEADERS order (round-trips as "unchanged")."""
    worker = employment.worker
    workplace = (
        employment.workplace_township.name
        if employment.workplace == Workplace.IN_DISTRICT
        else employment.get_workplace_display()
    )
    income = employment.monthly_income
    return [
        worker.name,
        worker.id_number,
        worker.phone,
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


# --- Workbooks the clerks download ---------------------------------------------------------------------

WORKPLACE_OUTSIDE = ["区外市内", "市外"]


def blank_template(*, township=None) -> bytes:
    """The blank return: §5 headers, a sheet explaining each column, and dropdowns (data validation)
    for township, industry, workplace, form and 是否返乡. A clerk's copy has the township filled in."""
    from io import BytesIO

    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from targets.models import Industry, Township

    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = "季度报表"
    lists = workbook.create_sheet("选项")
    lists.sheet_state = "hidden"
    help_ws = workbook.create_sheet("填表说明")

    townships = list(Township.objects.order_by("code").values_list("name", flat=True))
    industries = list(Industry.objects.order_by("code").values_list("name", flat=True))
    columns = {
        "A": townships,
        "B": industries,
        "C": townships + WORKPLACE_OUTSIDE,
        "D": list(EmploymentForm.values),
        "E": ["是", "否"],
        "F": list(Category.values),
    }
    for letter, values in columns.items():
        for index, value in enumerate(values, start=1):
            lists[f"{letter}{index}"] = value

    required_fill = PatternFill("solid", fgColor="FDE2E2")
    for index, header in enumerate(ALL_HEADERS, start=1):
        cell = ws.cell(row=1, column=index, value=header + ("*" if header in REQUIRED else ""))
        cell.font = Font(bold=True)
        if header in REQUIRED:
            cell.fill = required_fill
        ws.column_dimensions[get_column_letter(index)].width = max(12, len(header) * 2 + 4)
    ws.freeze_panes = "A2"
    last = 5001

    def validate(header, list_column, count, *, allow_blank=True):
        col = get_column_letter(ALL_HEADERS.index(header) + 1)
        dv = DataValidation(
            type="list",
            formula1=f"=选项!${list_column}$1:${list_column}${count}",
            allow_blank=allow_blank,
            showErrorMessage=True,
            errorTitle="输入有误",
            error="请从下拉列表中选择。",
        )
        dv.add(f"{col}2:{col}{last}")
        ws.add_data_validation(dv)

    validate(H_TOWNSHIP, "A", len(townships))
    validate(H_INDUSTRY, "B", len(industries))
    validate(H_WORKPLACE, "C", len(townships) + len(WORKPLACE_OUTSIDE))
    validate(H_FORM, "D", len(EmploymentForm.values))
    validate(H_RETURNEE, "E", 2)
    id_col = get_column_letter(ALL_HEADERS.index(H_ID) + 1)
    phone_col = get_column_letter(ALL_HEADERS.index(H_PHONE) + 1)
    credit_col = get_column_letter(ALL_HEADERS.index(H_CREDIT) + 1)
    for col in (id_col, phone_col, credit_col):
        for row in range(2, last + 1):
            ws[f"{col}{row}"].number_format = "@"  # text, so Excel keeps all 18 digits
    if township is not None:
        col = get_column_letter(ALL_HEADERS.index(H_TOWNSHIP) + 1)
        for row in range(2, 201):
            ws[f"{col}{row}"] = township.name

    help_ws.append(["列名", "是否必填", "填写说明"])
    for header in ALL_HEADERS:
        help_ws.append([header, "必填" if header in REQUIRED else "选填", HEADER_HELP[header]])
    help_ws.append([])
    help_ws.append(
        [
            "说明",
            "",
            "每行一条就业记录；同一人同一就业时间同一单位只填一行。整个文件全部正确才会导入，有错误时会列出全部错误。",
        ]
    )
    help_ws.column_dimensions["A"].width = 20
    help_ws.column_dimensions["C"].width = 100
    for cell in help_ws[1]:
        cell.font = Font(bold=True)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_report(batch) -> bytes:
    """The uploaded rows again, each offending cell highlighted, with a message column."""
    from io import BytesIO

    import openpyxl
    from openpyxl.styles import Font, PatternFill

    from wanzhou_jobs.spreadsheets import read_rows, safe_cell_value

    sheet = read_rows(batch.stored_path, required=REQUIRED, optional=OPTIONAL)
    by_row: dict[int, list[dict]] = {}
    for issue in batch.errors:
        by_row.setdefault(issue["row"], []).append(issue)
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = "错误报告"
    ws.append(["原行号", *ALL_HEADERS, "错误说明"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    bad = PatternFill("solid", fgColor="F8B4B4")
    file_issues = by_row.get(0, [])
    if file_issues:
        ws.append([0, *([""] * len(ALL_HEADERS)), "；".join(i["message"] for i in file_issues)])
    for row in sheet.rows:
        issues = by_row.get(row.number, [])
        values = [clean_text(row.values.get(h)) for h in ALL_HEADERS]
        ws.append(
            [row.number, *(safe_cell_value(v) for v in values), "；".join(i["message"] for i in issues)]
        )
        for issue in issues:
            if issue["column"] in ALL_HEADERS:
                ws.cell(row=ws.max_row, column=ALL_HEADERS.index(issue["column"]) + 2).fill = bad
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_export(*, user, township, year: int | None = None) -> bytes:
    """The township's ledger in the return's own format (it re-imports as "all unchanged"), text-safe,
    with who exported it and when above the header."""
    from io import BytesIO

    from django.utils import timezone

    from targets.scoping import scope_queryset
    from wanzhou_jobs.spreadsheets import write_xlsx

    from .models import Employment

    jobs = scope_queryset(
        Employment.objects.filter(worker__township=township).select_related(
            "worker__township", "employer", "industry", "workplace_township"
        ),
        user,
        township_field="worker__township",
        industry_field="industry",
    ).order_by("worker__name", "start_date", "id")
    if year:
        jobs = jobs.filter(start_date__year=year)
    buffer = BytesIO()
    note = f"导出人：{user.get_username()}  导出时间：{timezone.localtime():%Y-%m-%d %H:%M}  含个人信息，请妥善保管"
    write_xlsx(
        buffer,
        [("季度报表", ALL_HEADERS, (row_values_for_export(job) for job in jobs.iterator(chunk_size=2000)))],
        title=f"万州区{township.name}农民工就近就业台账",
        note=note,
    )
    return buffer.getvalue()
