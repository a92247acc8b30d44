"""The columns of the quarterly return (季度报表, DESIGN.md §5): header texts, which are required, and help.

Headers are matched by text after trimming (never by position), so the texts here are the contract with the
clerks' spreadsheets: `ALL_HEADERS` is the order the template and the export write, `REQUIRED` and `OPTIONAL`
are what reading a file asks for, and `HEADER_HELP` is the 填表说明 sheet of the blank template.

What the blank template writes in its data rows before a clerk types anything is defined here once
(`template_prefill`), and reading a return asks the same function which values make a row empty
(`template_blank_values`): a template filled in part imports the filled rows (DESIGN.md §5).
"""

from ..models import Category, EmploymentForm

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

# Other wordings offices use for the same columns (DESIGN.md §5); NFKC makes full-width brackets and spaces
# the same as half-width ones, and a trailing `*` is ignored, so neither needs a spelling of its own.
HEADER_ALIASES = {
    H_ID: ("身份证号", "身份证号码", "公民身份证号码", "证件号码"),
    H_PHONE: ("手机号", "手机号码", "联系方式"),
    H_TOWNSHIP: ("户籍地", "户籍所在乡镇（街道）", "所属镇街"),
    H_VILLAGE: ("所在村（社区）", "村（社区）"),
    H_EMPLOYER: ("工作单位", "用人单位", "就业单位"),
    H_INDUSTRY: ("行业", "所属行业"),
    H_WORKPLACE: ("工作地点",),
    H_FORM: ("就业方式",),
    H_START: ("入职时间", "就业日期", "上岗时间"),
    H_RETURNEE: ("是否返乡人员", "返乡"),
    H_INCOME: ("月工资", "月收入"),
}

FORMATS_HELP = (
    "可上传 .xlsx 或 .xls（Excel 97–2003，WPS 另存的也可以）、.ods（OpenDocument）、.csv（UTF-8 或 GBK/GB18030 编码，"
    "逗号、制表符或分号分隔）文件；WPS 表格（.et）、Numbers 等格式请另存为 .xlsx 后上传。"
)

TEMPLATE_LAST_ROW = 5001  # the template's data rows are 2–5001: dropdowns, text formats and pre-filled cells


def template_prefill(*, township=None) -> dict[str, str]:
    """The cells the blank template fills in every data row (header → value): a clerk's copy carries the
    clerk's township. A row holding nothing but these values is an empty row (DESIGN.md §5)."""
    return {H_TOWNSHIP: township.name} if township is not None else {}


def template_blank_values() -> dict[str, frozenset[str]]:
    """Per header, the values that leave a row empty: whatever `template_prefill` writes for any township's
    copy (a clerk's template may be uploaded by bureau staff or by a colleague)."""
    from targets.models import Township

    values: dict[str, set[str]] = {}
    for township in [None, *Township.objects.only("name")]:
        for header, value in template_prefill(township=township).items():
            values.setdefault(header, set()).add(value)
    return {header: frozenset(texts) for header, texts in values.items()}
