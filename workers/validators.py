"""Normalisation and validation of the identifiers a worker record carries.

Standards implemented (THREATS.md "Identifier algorithms", DESIGN.md §4 rule 1):

* Citizen ID number, GB 11643-1999: 6-digit address code, 8-digit birth date, 3-digit sequence code
  (odd = male), check character by ISO 7064:1983 MOD 11-2.
* Legacy 15-digit ID number, GB 11643-1989: accepted only to match old records; converted to 18
  characters by inserting "19" before the birth year and appending the check character. Sequence codes
  996–999 are reported to be reserved for centenarians (the century may be 18), so they are flagged for
  manual review rather than guessed.
* Unified social credit code, GB 32100-2015: 31-character alphabet without I, O, Z, S, V, check
  character C18 by MOD 31; positions 9–17 are the GB 11714-1997 organisation code, whose own check
  character (MOD 11, letters valued A=10 … Z=35) is verified as well.
* Mainland mobile numbers: 11 digits matching ``^1[3-9]\\d{9}$``, an optional +86/0086/86 prefix dropped.

Order for an ID number (THREATS.md 4.1, F9, H2, H3): zero-width and control characters are rejected
explicitly, because NFKC keeps them and silently stripping them would hide a pasted-in difference; then
NFKC (full-width digits and letters, U+3000), all spaces removed, ``x`` upper-cased; numbers that Excel
has mangled get their own message; a 15-digit number is converted; then the strict pattern, the birth
date and the check character. Two spellings of one person therefore always give the same stored key.

Every failure raises ``django.core.exceptions.ValidationError`` with a Chinese message a clerk can act on
and a stable ``code``: required, invisible, numeric, format, invalid_date, future_date, date_too_early,
check_digit, org_check_digit.
"""

import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import mul

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ID_NUMBER_REQUIRED = _("请填写公民身份号码。")
ID_NUMBER_INVISIBLE = _(
    "公民身份号码中含有看不见的字符（如零宽空格、控制字符），请删除该单元格内容后手工重新输入号码。"
)
ID_NUMBER_NUMERIC = _(
    "公民身份号码被 Excel 当成了数字，后几位已经丢失。请把该列单元格格式设置为“文本”，再重新录入完整号码。"
)
ID_NUMBER_FORMAT = _(
    "公民身份号码应为 18 位：前 17 位是数字，最后一位是数字或 X（旧版 15 位号码全为数字），请核对。"
)
ID_NUMBER_INVALID_DATE = _("公民身份号码中的出生日期“{date}”不是真实存在的日期，请核对号码中的出生年月日。")
ID_NUMBER_FUTURE_DATE = _("公民身份号码中的出生日期“{date}”晚于今天，请核对号码中的出生年月日。")
ID_NUMBER_TOO_EARLY = _("公民身份号码中的出生年份早于 {year} 年，请核对号码中的出生年份。")
ID_NUMBER_CHECK_DIGIT = _("公民身份号码校验位错误，请核对最后一位，并逐位检查有无录错的数字。")
ID_NUMBER_LEGACY_RESERVED_SEQUENCE = _(
    "该号码由 15 位旧号码转换，顺序码 996–999 为百岁老人保留号段，出生年份可能不是 19 开头，请人工核对。"
)

CREDIT_CODE_REQUIRED = _("请填写统一社会信用代码。")
CREDIT_CODE_INVISIBLE = _(
    "统一社会信用代码中含有看不见的字符（如零宽空格、控制字符），请删除该单元格内容后手工重新输入。"
)
CREDIT_CODE_NUMERIC = _(
    "统一社会信用代码被 Excel 当成了数字，后几位已丢失。请把该列单元格格式设置为“文本”，再重新录入完整代码。"
)
CREDIT_CODE_FORMAT = _(
    "统一社会信用代码应为 18 位数字或大写字母，第 3–8 位必须是数字，且不使用字母 I、O、Z、S、V，请核对。"
)
CREDIT_CODE_CHECK_CHAR = _("统一社会信用代码校验位错误，请核对最后一位，并逐位检查有无录错的字符。")
CREDIT_CODE_ORG_CHECK_CHAR = _(
    "统一社会信用代码第 9–17 位（组织机构代码）校验错误，请核对第 17 位，并逐位检查第 9–16 位。"
)

PHONE_INVISIBLE = _("手机号码中含有看不见的字符（如零宽空格、控制字符），请删除后手工重新输入。")
PHONE_FORMAT = _("手机号码应为 11 位中国大陆手机号（以 1 开头，第二位为 3–9），不接受座机号码，请核对。")

SEX_MALE = "男"
SEX_FEMALE = "女"

MIN_BIRTH_YEAR = 1880

# Every pattern is re.ASCII: \d must not match other scripts' digits (e.g. "٣"), which NFKC keeps.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"  # indexed by S mod 11
_ID_ZERO_OFFSET = 48 * sum(_ID_WEIGHTS)
_ID_RE = re.compile(r"^\d{17}[\dX]$", re.ASCII)
_LEGACY_ID_RE = re.compile(r"^\d{15}$", re.ASCII)
_LEGACY_RESERVED_SEQUENCES = range(996, 1000)

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES = {char: value for value, char in enumerate(_CREDIT_ALPHABET)}
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_RE = re.compile(r"^[0-9A-Z]{8}$", re.ASCII)

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)

# What Excel leaves behind after storing an ID as a number: scientific notation or a decimal point.
# Excel's renderings of a long number: `5.00101E+17`, `1E+17`, `500101199001011000.0`. Excel always writes
# the exponent's sign or a decimal point, so a real code that happens to hold digits around an E (`…123E45…`) is not one.
_EXCEL_NUMBER_RE = re.compile(r"^(?:\d+\.\d+E[+-]?\d+|\d+E[+-]\d+|\d+\.\d*)$", re.ASCII)

_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
# Whitespace that is removed like a space; every other Cc/Cf character is reported.
_ORDINARY_WHITESPACE = frozenset(" \t\n\r")


@dataclass(frozen=True)
class IdNumberInfo:
    birth_date: date
    sex: str
    region_code: str
    legacy_sequence_reserved: bool = False


def normalise_text(value) -> str:
    """NFKC (full-width digits and letters to ASCII, U+3000 to a space) and strip surrounding whitespace.

    Zero-width and control characters survive NFKC; callers check `has_invisible_characters` first."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def has_invisible_characters(value: str) -> bool:
    """True if the text holds zero-width or control characters (Unicode Cc/Cf) other than spaces,
    tabs and line breaks."""
    if value.isprintable():  # C-level: printable text holds no Cc/Cf character at all
        return False
    return any(
        char in _ZERO_WIDTH
        or (unicodedata.category(char) in ("Cc", "Cf") and char not in _ORDINARY_WHITESPACE)
        for char in value
    )


def id_number_check_char(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(body17) != 17 or not body17.isascii() or not body17.isdigit():
        raise ValueError("body17 must be 17 ASCII digits")
    # The hot path of a 50,000-row import: ASCII codes weighted, less the weighted code of "0" (48).
    total = sum(map(mul, body17.encode(), _ID_WEIGHTS)) - _ID_ZERO_OFFSET
    return _ID_CHECK_CHARS[total % 11]


def normalise_id_number(value, *, today: date | None = None) -> str:
    """The stored 18-character form of a citizen ID number, or ValidationError."""
    id18, _warnings = normalise_id_number_ex(value, today=today)
    return id18


def normalise_id_number_ex(value, *, today: date | None = None) -> tuple[str, list[str]]:
    """Like `normalise_id_number`, also returning warnings (Chinese) that call for manual review."""
    if type(value) is str and _ID_RE.fullmatch(value):
        # Already the stored form (most cells of a return): `_prepare` would leave it as it is.
        text, legacy = value, False
    else:
        text = _prepare(
            value,
            required=ID_NUMBER_REQUIRED,
            invisible=ID_NUMBER_INVISIBLE,
            numeric=ID_NUMBER_NUMERIC,
            invalid=ID_NUMBER_FORMAT,
        )
        legacy = bool(_LEGACY_ID_RE.match(text))
        if legacy:
            body = text[:6] + "19" + text[6:]
            text = body + id_number_check_char(body)
        if not _ID_RE.match(text):
            raise ValidationError(ID_NUMBER_FORMAT, code="format")

    _id_birth_date(text, today=today)
    if text[17] != id_number_check_char(text[:17]):
        if text.endswith("000"):
            # Excel keeps 15 significant digits; a number turned back into text ends in 000.
            raise ValidationError(ID_NUMBER_NUMERIC, code="numeric")
        raise ValidationError(ID_NUMBER_CHECK_DIGIT, code="check_digit")

    warnings = []
    if legacy and int(text[14:17]) in _LEGACY_RESERVED_SEQUENCES:
        warnings.append(str(ID_NUMBER_LEGACY_RESERVED_SEQUENCE))
    return text, warnings


def id_number_info(id18: str, *, legacy: bool = False) -> IdNumberInfo:
    """Birth date, sex and address code of a normalised 18-character ID number.

    `legacy` says the number was converted from 15 digits; only then do sequence codes 996–999 set
    `legacy_sequence_reserved`."""
    if not _ID_RE.match(id18):
        raise ValueError("id18 must be a normalised 18-character ID number")
    sequence = int(id18[14:17])
    return IdNumberInfo(
        birth_date=date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14])),
        sex=SEX_MALE if sequence % 2 else SEX_FEMALE,
        region_code=id18[:6],
        legacy_sequence_reserved=legacy and sequence in _LEGACY_RESERVED_SEQUENCES,
    )


def age_on(birth_date: date, on: date) -> int:
    """Full years of age on the given day (someone born on 29 February turns a year older on 1 March)."""
    if on < birth_date:
        raise ValueError("on is before birth_date")
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def credit_code_check_char(body17: str) -> str:
    """GB 32100-2015 check character C18 for the first 17 characters of a unified social credit code."""
    if len(body17) != 17 or any(char not in _CREDIT_VALUES for char in body17):
        raise ValueError("body17 must be 17 characters of the credit-code alphabet")
    total = sum(_CREDIT_VALUES[char] * weight for char, weight in zip(body17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def organisation_code_check_char(body8: str) -> str:
    """GB 11714-1997 check character for the 8-character body of an organisation code."""
    if not _ORG_BODY_RE.match(body8):
        raise ValueError("body8 must be 8 ASCII digits or upper-case letters")
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight
        for char, weight in zip(body8, _ORG_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def normalise_credit_code(value) -> str:
    """The stored 18-character form of a unified social credit code, or ValidationError."""
    text = _prepare(
        value,
        required=CREDIT_CODE_REQUIRED,
        invisible=CREDIT_CODE_INVISIBLE,
        numeric=CREDIT_CODE_NUMERIC,
        invalid=CREDIT_CODE_FORMAT,
    )
    if not _CREDIT_RE.match(text):
        raise ValidationError(CREDIT_CODE_FORMAT, code="format")
    if text[17] != credit_code_check_char(text[:17]):
        raise ValidationError(CREDIT_CODE_CHECK_CHAR, code="check_digit")
    if text[16] != organisation_code_check_char(text[8:16]):
        raise ValidationError(CREDIT_CODE_ORG_CHECK_CHAR, code="org_check_digit")
    return text


def normalise_phone(value) -> str:
    """An 11-digit mainland mobile number, or "" when none was given; ValidationError otherwise."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(PHONE_FORMAT, code="format")
    if not isinstance(value, str):
        # Excel typed the cell as a number; an 11-digit number survives that (even as a float) exactly.
        try:
            integral = int(value)
        except (ValueError, OverflowError):
            raise ValidationError(PHONE_FORMAT, code="format")
        if integral != value:
            raise ValidationError(PHONE_FORMAT, code="format")
        value = str(integral)
    if has_invisible_characters(value):
        raise ValidationError(PHONE_INVISIBLE, code="invisible")

    text = _remove_spaces(normalise_text(value)).replace("-", "")
    if not text:
        return ""
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086") and len(text) == 15:
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not _PHONE_RE.match(text):
        raise ValidationError(PHONE_FORMAT, code="format")
    return text


def mask_id_number(id18: str) -> str:
    """`500101********123X`: the address code and the last four characters stay visible."""
    if not id18:
        return ""
    if len(id18) <= 10:
        return "*" * len(id18)
    return id18[:6] + "*" * 8 + id18[-4:]


def mask_phone(phone: str) -> str:
    """`138****1234`: the first three and last four digits stay visible."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * 4 + phone[-4:]


def _prepare(value, *, required, invisible, numeric, invalid) -> str:
    """Shared first steps for the 18-character codes: required, Excel numbers, invisible characters,
    then NFKC, spaces removed, upper case."""
    if value is None:
        raise ValidationError(required, code="required")
    if isinstance(value, bool):
        raise ValidationError(invalid, code="format")
    if isinstance(value, int | float | Decimal):
        # Excel stored the cell as a number: an 18-digit value keeps only 15 significant digits.
        raise ValidationError(numeric, code="numeric")
    if not isinstance(value, str):
        raise ValidationError(invalid, code="format")
    if has_invisible_characters(value):
        raise ValidationError(invisible, code="invisible")
    text = _remove_spaces(normalise_text(value)).upper()
    if not text:
        raise ValidationError(required, code="required")
    if _EXCEL_NUMBER_RE.match(text):
        raise ValidationError(numeric, code="numeric")
    return text


def _remove_spaces(text: str) -> str:
    return "".join(text.split())


def _id_birth_date(id18: str, *, today: date | None) -> date:
    digits = id18[6:14]
    try:
        birth_date = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValidationError(ID_NUMBER_INVALID_DATE.format(date=digits), code="invalid_date")
    if birth_date.year < MIN_BIRTH_YEAR:
        raise ValidationError(ID_NUMBER_TOO_EARLY.format(year=MIN_BIRTH_YEAR), code="date_too_early")
    if birth_date > (today or _today()):
        raise ValidationError(ID_NUMBER_FUTURE_DATE.format(date=digits), code="future_date")
    return birth_date


_TODAY_CACHE: list = [0.0, None]


def _today() -> date:
    """Today in the project's time zone, looked up at most once a minute (an import checks 50,000
    numbers; the time-zone lookup would otherwise cost more than the check itself)."""
    now = time.monotonic()
    if _TODAY_CACHE[1] is None or now - _TODAY_CACHE[0] > 60:
        _TODAY_CACHE[:] = [now, timezone.localdate() if settings.USE_TZ else date.today()]
    return _TODAY_CACHE[1]
