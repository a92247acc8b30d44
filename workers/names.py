"""A person's name as the household register writes it (issue 25; GB 18030-2022, mandatory since August 2023).

Accepted: every Han character the register uses — CJK Unified Ideographs and Extensions A–I, the
compatibility ideographs and 〇 (U+3007) — and Latin letters; the separators of minority names
`·` U+00B7, `・` U+30FB, `‧` U+2027, `•` U+2022 are stored as U+00B7 MIDDLE DOT, the form printed on the
resident ID card and GB 18030's two-byte A1A4. A name is Han or Latin, never both: `李O` is the Latin
letter O typed for 〇.

Normalised, so that every door stores one spelling: NFKC (full-width letters and spaces, Kangxi radicals to
their ideographs), except the compatibility ideographs, which NFC would silently replace although the
register chooses them; the private-use code points GB 18030-2005 gave to fourteen ideographs encoded since
(GB 18030-2022 §B, a GB18030 file from an older system still decodes to them) become those ideographs;
spaces are removed in a Han name and collapsed in a Latin one, and dropped around a separator.

Refused with the character, its position (counted as the clerk sees the name) and its code point, so that a
clerk can tell a typo from a rare character: digits, invisible and control characters, private-use
characters, characters of no encoded block, emoji and other symbols, radicals and strokes, letters of
other scripts, a Latin letter in a Han name, a separator at either end or doubled.

Python's `unicodedata` (14.0 in Python 3.11) predates Extensions H and I, so the Han blocks are listed
here rather than asked of it. This module imports no app.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: The longest name stored (characters, i.e. code points: an Extension B character counts once in
#: Python, in PostgreSQL's varchar and in the checks). The national identity system reported Han-register
#: names of up to 15 characters, nearly all of them transliterated Uyghur names; a minority name with the
#: father's and grandfather's names and their separators runs to about 30. 100 leaves room for those
#: without admitting a pasted paragraph.
NAME_MAX_LENGTH = 100

#: The stored separator of a minority name.
NAME_SEPARATOR = "\u00b7"
NAME_SEPARATORS = frozenset("\u00b7\u30fb\u2027\u2022")

NAME_REQUIRED = _("请填写姓名。")
NAME_TOO_LONG = _("姓名最多 {limit} 个字，填写的有 {length} 个字，请核对。")
NAME_CHARACTER = _("姓名第 {position} 个字“{char}”（{code}）{reason}，请核对。")
NAME_INVISIBLE = _(
    "姓名第 {position} 个字符（{code}）是看不见的字符（如零宽空格、控制字符），请删除后重新输入姓名。"
)

REASON_DIGIT = _("是数字，姓名中不能有数字")
REASON_ZERO = _("是数字 0，不是汉字“〇”（U+3007）")
REASON_LATIN_IN_HAN = _("是拉丁字母，汉字姓名中不能夹用字母")
REASON_LATIN_O = _("是拉丁字母，不是汉字“〇”（U+3007）")
REASON_PRIVATE_USE = _("是私用区的自造字，其他系统无法识别，须改用 GB 18030 标准编码的汉字")
REASON_COMPONENT = _("是部首、笔画或汉字结构符号，不是完整的汉字")
REASON_OTHER_SCRIPT = _("不是汉字或拉丁字母（可能是外文字母或输入法中形近的字符）")
REASON_SYMBOL = _("是符号或表情，不能用于姓名")
REASON_MARK = _("是附加在字母上的组合符号，不能用于姓名")
REASON_UNASSIGNED = _("不是已编码的字符")
REASON_SEPARATOR = _("是少数民族姓名的分隔符，不能在姓名开头、结尾或连用")

# Assigned code points of the Han blocks as of Unicode 16.0.
HAN_RANGES = (
    (0x3007, 0x3007),  # 〇 IDEOGRAPHIC NUMBER ZERO
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2B739),  # Extension C
    (0x2B740, 0x2B81D),  # Extension D
    (0x2B820, 0x2CEA1),  # Extension E
    (0x2CEB0, 0x2EBE0),  # Extension F
    (0x2EBF0, 0x2EE5D),  # Extension I
    (0x30000, 0x3134A),  # Extension G
    (0x31350, 0x323AF),  # Extension H
)
COMPATIBILITY_RANGES = (
    (0xF900, 0xFA6D),  # CJK Compatibility Ideographs
    (0xFA70, 0xFAD9),
    (0x2F800, 0x2FA1D),  # CJK Compatibility Ideographs Supplement
)
# Radicals, strokes and ideographic description characters: parts of a character, not one.
_COMPONENT_RANGES = ((0x2E80, 0x2FFF), (0x31C0, 0x31EF))

#: GB 18030-2005 mapped these two-byte codes (FE51 … FEA0) to private use; the ideographs have code points
#: of their own since Unicode 4.1, which GB 18030-2022 uses. Python's gb18030 codec still decodes to the
#: private-use ones.
GB18030_PRIVATE_USE = {
    0xE816: 0x20087,
    0xE817: 0x20089,
    0xE818: 0x200CC,
    0xE81E: 0x9FB4,
    0xE826: 0x9FB5,
    0xE82B: 0x9FB6,
    0xE82C: 0x9FB7,
    0xE831: 0x215D7,
    0xE832: 0x9FB8,
    0xE83B: 0x2298F,
    0xE843: 0x9FB9,
    0xE854: 0x9FBA,
    0xE855: 0x241FE,
    0xE864: 0x9FBB,
}

_HAN, _LATIN, _SEPARATOR, _SPACE = "han", "latin", "separator", "space"
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")
_MARKS = ("Mn", "Mc", "Me")


def _in(ranges, code: int) -> bool:
    return any(low <= code <= high for low, high in ranges)


def is_han(char: str) -> bool:
    """A Han character of the register: unified (any extension), compatibility ideograph or 〇."""
    code = ord(char)
    return _in(HAN_RANGES, code) or _in(COMPATIBILITY_RANGES, code)


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def _invisible(char: str) -> bool:
    code = ord(char)
    return (
        char in _INVISIBLE
        or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF  # ideographic variation selectors
    ) and char not in " \t\n\r"


def _kind(char: str) -> str | None:
    """What a normalised character is in a name, or None when no name may hold it."""
    if is_han(char):
        return _HAN
    if char in NAME_SEPARATORS:
        return _SEPARATOR
    if char in " \t\n\r" or unicodedata.category(char) == "Zs":
        return _SPACE
    if unicodedata.category(char).startswith("L") and unicodedata.name(char, "").startswith("LATIN "):
        return _LATIN
    return None


def _reason(char: str):
    """Why `char`, as written, may not be in a name (None: it is invisible)."""
    code = ord(char)
    category = unicodedata.category(char)
    if _invisible(char):
        return None
    if category == "Co":
        return REASON_PRIVATE_USE
    if unicodedata.normalize("NFKC", char) == "0":
        return REASON_ZERO
    if category == "Nd" or char.isnumeric():
        return REASON_DIGIT
    if _in(_COMPONENT_RANGES, code):
        return REASON_COMPONENT
    if category == "Cn":
        return REASON_UNASSIGNED
    if category.startswith("L"):
        return REASON_OTHER_SCRIPT
    if category in _MARKS:
        return REASON_MARK
    return REASON_SYMBOL


def _clusters(text: str):
    """The characters as the clerk sees them: each with the combining marks that follow it."""
    cluster = ""
    for char in text:
        if cluster and unicodedata.category(char) in _MARKS and not _invisible(char):
            cluster += char
            continue
        if cluster:
            yield cluster
        cluster = char
    if cluster:
        yield cluster


def _normalise(written: str) -> str:
    if len(written) == 1:
        code = ord(written)
        if _in(COMPATIBILITY_RANGES, code):
            return written
        if code in GB18030_PRIVATE_USE:
            return chr(GB18030_PRIVATE_USE[code])
    return unicodedata.normalize("NFKC", written)


class _Refused(Exception):
    def __init__(self, position: int, char: str, reason):
        super().__init__(position, char)
        self.position, self.char, self.reason = position, char, reason

    def error(self) -> ValidationError:
        code = code_point(self.char)
        if self.reason is None:
            message = NAME_INVISIBLE.format(position=self.position, code=code)
        else:
            message = NAME_CHARACTER.format(
                position=self.position, char=self.char, code=code, reason=self.reason
            )
        return ValidationError(message, code="character")


def _parse(value: object, *, strict: bool) -> str:
    """The stored spelling; with `strict`, raise _Refused at the first character no name may hold."""
    text = str(value or "").strip()
    chars: list[tuple[int, str, str, str | None]] = []  # position, as written, normalised, kind
    for position, cluster in enumerate(_clusters(text), start=1):
        for char in _normalise(cluster):
            kind = _kind(char)
            if kind is None and strict:
                culprit = next(
                    (c for c in cluster if any(_kind(n) is None for n in _normalise(c))), cluster[0]
                )
                raise _Refused(position, culprit, _reason(culprit))
            chars.append((position, cluster, NAME_SEPARATOR if kind == _SEPARATOR else char, kind))

    han = any(kind == _HAN for *_rest, kind in chars)
    if han and strict:
        for position, written, char, kind in chars:
            if kind == _LATIN:
                raise _Refused(position, written[0], REASON_LATIN_O if char in "Oo" else REASON_LATIN_IN_HAN)

    # Spaces: none in a Han name, none around a separator, one between the words of a Latin name.
    kept: list[tuple[int, str, str, str | None]] = []
    for index, (position, written, char, kind) in enumerate(chars):
        if kind == _SPACE:
            before = kept[-1][3] if kept else _SEPARATOR
            after = next((k for *_rest, k in chars[index + 1 :] if k != _SPACE), _SEPARATOR)
            if han or before in (_SPACE, _SEPARATOR) or after == _SEPARATOR:
                continue
            char = " "
        kept.append((position, written, char, kind))

    if strict:
        for index, (position, written, _char, kind) in enumerate(kept):
            if kind == _SEPARATOR and (index in (0, len(kept) - 1) or kept[index - 1][3] == _SEPARATOR):
                raise _Refused(position, written[0], REASON_SEPARATOR)
    return "".join(char for _position, _written, char, _kind in kept)


def normalise_name(value: object) -> str:
    """The stored spelling of a name, without judging it: for comparing and searching."""
    return _parse(value, strict=False)


def check_name(value: object) -> str:
    """The stored spelling of a name, or ValidationError naming the first character refused."""
    try:
        name = _parse(value, strict=True)
    except _Refused as refused:
        raise refused.error() from None
    if not name:
        raise ValidationError(NAME_REQUIRED, code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(NAME_TOO_LONG.format(limit=NAME_MAX_LENGTH, length=len(name)), code="too_long")
    return name
