"""What every stage shares: the messages a clerk reads, the limits, the error type and the row and sheet
shapes `read_rows` returns, and the inspection's own records. openpyxl must parse XML through defusedxml
(THREATS.md F3): importing this module refuses to run otherwise."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import openpyxl
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _

# --- Messages a clerk reads --------------------------------------------------------------------------
FILE_EMPTY = _("文件是空的，请重新选择文件")
FILE_TOO_LARGE = _("文件超过 {limit} MB 的上限，请拆分后上传")
FILE_LEGACY_XLS = _("这是旧版 .xls 文件，请在 Excel 或 WPS 中另存为 .xlsx 后上传")
FILE_ENCRYPTED = _("文件设置了密码，请取消密码后重新上传")
FILE_NOT_XLSX = _("文件不是有效的 Excel（.xlsx）文件")
FILE_CORRUPT = _("文件已损坏或格式不规范，无法读取，请在 Excel 或 WPS 中另存为 .xlsx 后上传")
ACCEPTED_FORMATS = ".xlsx、.xls、.ods、.csv"
FILE_FORMAT_UNSUPPORTED = _(
    "不支持这种文件格式。请上传 .xlsx、.xls（Excel）、.ods（OpenDocument）或 .csv 文件；"
    "WPS 表格（.et）、Numbers 等文件请另存为 .xlsx 后上传"
)
FILE_TOO_MANY_CELLS = _("文件的表格区域过大（{rows} 行 × {cols} 列），请删除多余的行和列后上传")
CSV_ENCODING = _("无法识别 CSV 文件的编码，请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”后上传")
CSV_MIXED_ENCODING = _(
    "CSV 文件混用了两种编码（第 {line} 行是 UTF-8，其他行是 GBK 等编码），"
    "请在 Excel 或 WPS 中打开后另存为“CSV UTF-8（逗号分隔）”再上传"
)
CSV_NUL = _(
    "CSV 文件中含有空字符（NUL），不是文本文件，请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”后上传"
)
CSV_MALFORMED = _("CSV 文件第 {line} 行格式不规范（引号不成对或单元格过长），请检查后重新上传")
FILE_MACROS = _("文件含有宏，请在 Excel 或 WPS 中另存为不含宏的 .xlsx 文件后上传")
FILE_ZIP_BOMB = _("文件解压后过大，可能是压缩炸弹")
FILE_XML_DTD = _("文件含有不允许的 XML 声明（DOCTYPE/ENTITY），请在 Excel 或 WPS 中另存为 .xlsx 后上传")
FILE_NO_WORKSHEET = _("文件中没有工作表")
FILE_TOO_MANY_ROWS = _("文件超过 {limit} 行的上限，请拆分后上传")
FILE_TOO_MANY_COLUMNS = _("文件超过 {limit} 列的上限，请删除多余的列后上传")
FILE_FORMULAS = _("单元格 {cells} 含有公式，请复制后“选择性粘贴—数值”再上传")
HEADER_MISSING = _("在前 {rows} 行中找不到表头，缺少必填列：{headers}")
HEADER_TAKEN_AS = _("表头“{header}”不是模板中的写法，已按“{name}”读取，请核对")
HEADER_DUPLICATE = _("表头“{header}”出现了不止一次，请删除重复的列")
UNKNOWN_COLUMNS_IGNORED = _("以下列不在模板中，已忽略：{headers}")
OTHER_SHEETS_IGNORED = _("只读取第一个工作表“{sheet}”，其他工作表已忽略：{sheets}")
FIRST_SHEET_HIDDEN = _("第一个工作表“{sheet}”是隐藏的，读取的是这个表，请确认数据填在第一个工作表中")
HIDDEN_MARK = _("（隐藏）")
VALUE_REQUIRED = _("此项不能为空")
DATE_INVALID = _(
    "“{value}”不是有效的日期，请填写日期格式的单元格，"
    "或 2025-03-15、2025/3/15、2025.3.15、2025年3月15日、20250315 这样的日期"
)
YES_NO_INVALID = _("“{value}”无法识别，请填写“是”或“否”")
AMOUNT_INVALID = _("“{value}”不是有效的金额，请填写数字，如 3500 或 3500.00")

# --- Limits -----------------------------------------------------------------------------------------
MB = 1024 * 1024
MAX_BYTES = 20 * MB
MAX_UNCOMPRESSED = 200 * MB
MAX_RATIO = 100  # Apache POI refuses inflate ratios above 100:1 (MIN_INFLATE_RATIO = 0.01)
# An .ods spells every cell out in long XML (LibreOffice's content.xml of the blank template filled in 30 rows
# inflates 148:1); the bound that holds it is MAX_UNCOMPRESSED, checked against the bytes actually inflated.
ODS_MAX_RATIO = 1_000
RATIO_MIN_MEMBER_SIZE = 1 * MB  # small parts (styles, strings) legitimately compress better than that
MAX_ROWS = 100_000
MAX_COLS = 200
MAX_MEMBERS = 1_000  # a real workbook has a few dozen parts
MAX_PART_BYTES = 10 * MB  # [Content_Types].xml, workbook.xml and its relationships
MAX_TAG_BYTES = 1 * MB  # one XML tag longer than this is not a spreadsheet
CALAMINE_MAX_CELLS = 4_000_000  # calamine builds a dense rows x columns grid (~32 bytes a cell)
CALAMINE_MEMORY_LIMIT = 2 * 1024 * MB  # address space of the calamine child process
CALAMINE_TIMEOUT = 120  # seconds
CALAMINE_OUTPUT_LIMIT = 512 * MB  # the pickled rows the child may write
FORMULA_CELLS_SHOWN = 5
MAX_TEXT_LENGTH = 32_767  # Excel's limit for one cell
GRID_ROWS = 1_048_576  # the largest sheet Excel and LibreOffice make; .ods repeats empty rows up to it
GRID_COLS = 16_384
MAX_SPACES = 1_000_000  # the spaces all <text:s text:c="…"/> of an .ods may expand to
SHOWN_VALUE_LENGTH = 40

_OUT_CHUNK = 1 * MB
_RAW_CHUNK = 256 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EOCD = struct.Struct("<4s4H2LH")
_LOCAL_HEADER = struct.Struct("<4sHHHHHLLLHH")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# Parts that would let calamine fall back to its xlsb or ods reader, which inspection does not vet.
_FOREIGN_PARTS = ("content.xml", "mimetype", "xl/workbook.bin")

_CT_WORKBOOK = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
_CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def openpyxl_uses_defusedxml() -> bool:
    """True when openpyxl parses XML through defusedxml (THREATS.md F3; CI asserts it)."""
    from openpyxl.xml import DEFUSEDXML

    return DEFUSEDXML is True and getattr(openpyxl, "DEFUSEDXML", None) is True


if not openpyxl_uses_defusedxml():
    raise ImproperlyConfigured(
        "openpyxl must parse XML through defusedxml (THREATS.md F3): install defusedxml"
    )


class SpreadsheetError(ValidationError):
    """A file or a cell the clerk has to fix; the message is meant to be shown as it is."""


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # the Excel row number, 1-based
    values: dict[str, object]  # every required and optional header -> raw cell value, None when empty


@dataclass
class SheetData:
    header_row: int
    columns: dict[str, int]  # header found in the file -> 0-based column index
    rows: list[Row]
    warnings: list[str]
    sheet_name: str


@dataclass
class SheetColumns:
    """A file's columns as found under its likeliest header row (`read_columns`)."""

    header_row: int
    columns: list  # headers.Column
    warnings: list[str]
    sheet_name: str


# --- Inspection ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Limits:
    max_uncompressed: int
    max_ratio: float
    max_rows: int  # the limit named in the message
    max_cols: int
    row_allowance: int = 0  # title and header rows allowed above max_rows data rows

    @property
    def row_bound(self) -> int:
        return self.max_rows + self.row_allowance


@dataclass(frozen=True)
class _Sheet:
    name: str
    hidden: bool
    kind: str  # worksheet, chartsheet, dialogsheet, ...
    path: str  # lower-cased zip member name


@dataclass
class _Inspection:
    sheet: _Sheet
    others: list[tuple[_Sheet, bool]] = field(default_factory=list)  # (sheet, holds values)
    max_row: int = 0  # bounds of the cells holding a value or formula in the first worksheet
    max_col: int = 0


def _error(message, **params) -> SpreadsheetError:
    return SpreadsheetError(str(message).format(**params) if params else message)
