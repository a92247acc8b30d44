"""Cell parsing shared by every import: text cleaned (NFKC, spaces), dates in the formats and Excel serial
numbers of DESIGN.md §5, 是/否, amounts."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from .core import (
    AMOUNT_INVALID,
    DATE_INVALID,
    SHOWN_VALUE_LENGTH,
    VALUE_REQUIRED,
    YES_NO_INVALID,
    SpreadsheetError,
    _error,
)

# --- Cell helpers ---------------------------------------------------------------------------------------


def _shown(value) -> str:
    text = clean_text(value)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[:SHOWN_VALUE_LENGTH] + "…"


def clean_text(value) -> str:
    """A cell as text: None -> "", NFKC, trimmed; 13800138000.0 -> "13800138000"."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


_DATE_SEPARATED = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?"  # a time of day, as other systems export it
)
_DATE_CHINESE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?")
_DATE_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?")
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = 2_958_465  # 9999-12-31


def parse_date(value) -> date:
    """A date cell, `2025-03-15`, `2025/3/15`, `2025.3.15`, `2025年3月15日`, `20250315` or a serial.

    Serials follow Excel's 1900 date system, whose day 60 is the fictitious 1900-02-29: refused.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise SpreadsheetError(VALUE_REQUIRED)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value

    def invalid() -> SpreadsheetError:  # built only when raised: most cells are valid
        return _error(DATE_INVALID, value=_shown(value))

    if isinstance(value, bool):
        raise invalid()
    if isinstance(value, int | float | Decimal):
        return _date_from_number(value, invalid)
    if not isinstance(value, str):
        raise invalid()
    text = clean_text(value)
    for pattern in (_DATE_SEPARATED, _DATE_CHINESE, _DATE_COMPACT):
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise invalid() from None
    if _SERIAL.fullmatch(text):
        return _date_from_number(Decimal(text), invalid)
    raise invalid()


def _date_from_number(number, invalid: Callable[[], SpreadsheetError]) -> date:
    try:
        number = Decimal(str(number)) if isinstance(number, float) else Decimal(number)
    except InvalidOperation:
        raise invalid() from None
    if not number.is_finite():
        raise invalid()
    if number == number.to_integral_value() and 19000101 <= number <= 29991231:  # 20250315 typed as a number
        return parse_date(str(int(number)))
    serial = int(number)  # the fraction is the time of day
    if serial < 1 or serial == 60 or serial > _MAX_SERIAL:
        raise invalid()
    return _EXCEL_EPOCH + timedelta(days=serial + (1 if serial < 60 else 0))


_YES = {"是", "y", "yes", "1", "true", "√", "✓", "✔", "对"}
_NO = {"否", "n", "no", "0", "false", "×", "✗", "✘"}


def parse_yes_no(value) -> bool:
    """是/否, Y/N, 1/0, true/false, √; empty means 否 (DESIGN.md §5 是否返乡)."""
    if isinstance(value, bool):
        return value
    text = clean_text(value).casefold()
    if not text or text in _NO:
        return False
    if text in _YES:
        return True
    raise _error(YES_NO_INVALID, value=_shown(value))


_AMOUNT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def parse_amount(value) -> Decimal:
    """A number as Decimal: 3500, 3500.00, "3,500", "3500元", "¥3500". The sign is the caller's rule."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise SpreadsheetError(VALUE_REQUIRED)

    def invalid() -> SpreadsheetError:
        return _error(AMOUNT_INVALID, value=_shown(value))

    if isinstance(value, bool):
        raise invalid()
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float | Decimal):
        amount = Decimal(repr(value)) if isinstance(value, float) else value
        if not amount.is_finite():
            raise invalid()
        return amount
    text = clean_text(value).replace(" ", "").removeprefix("¥").removesuffix("元")
    if not isinstance(value, str) or not _AMOUNT.fullmatch(text):
        raise invalid()
    return Decimal(text.replace(",", ""))
