"""The name rule (workers/names.py, issue 25): the register's characters in, everything else out with the
character, its position and its code point."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError

from tests.rare_names import MINORITY_NAMES, RARE_CHARACTERS, rare_names
from workers.names import (
    COMPATIBILITY_RANGES,
    GB18030_PRIVATE_USE,
    HAN_RANGES,
    NAME_CHARACTER,
    NAME_INVISIBLE,
    NAME_MAX_LENGTH,
    NAME_REQUIRED,
    NAME_TOO_LONG,
    REASON_COMPONENT,
    REASON_DIGIT,
    REASON_LATIN_IN_HAN,
    REASON_LATIN_O,
    REASON_MARK,
    REASON_OTHER_SCRIPT,
    REASON_PRIVATE_USE,
    REASON_SEPARATOR,
    REASON_SYMBOL,
    REASON_ZERO,
    check_name,
    normalise_name,
)
from workers.services import worker_check_name


def refused(value) -> str:
    with pytest.raises(ValidationError) as info:
        check_name(value)
    (message,) = info.value.messages
    return message


def character(position, char, reason) -> str:
    return NAME_CHARACTER.format(position=position, char=char, code=f"U+{ord(char):04X}", reason=reason)


def test_the_test_list_holds_forty_rare_characters_from_five_blocks_and_twelve_minority_names():
    assert len(set(RARE_CHARACTERS)) == len(RARE_CHARACTERS) == 40
    blocks = {
        block
        for char in RARE_CHARACTERS
        for block, (low, high) in _BLOCKS.items()
        if low <= ord(char) <= high
    }
    assert blocks == {"basic", "A", "B", "C", "D", "E"}
    assert len(MINORITY_NAMES) >= 10


_BLOCKS = {"basic": (0x4E00, 0x9FFF), "A": (0x3400, 0x4DBF), "B": (0x20000, 0x2A6DF), "C": (0x2A700, 0x2B73F)}
_BLOCKS |= {"D": (0x2B740, 0x2B81F), "E": (0x2B820, 0x2CEAF)}


@pytest.mark.parametrize(("written", "stored"), rare_names())
def test_register_names_are_accepted_as_stored(written, stored):
    assert check_name(written) == stored
    assert normalise_name(written) == stored


@pytest.mark.parametrize(
    "code",
    [0x3007, 0x3400, 0x4DBF, 0x4E00, 0x9FFF, 0x9FB4, 0x20000, 0x2A6DF, 0x2A700, 0x2B739, 0x2B740, 0x2B81D]
    + [0x2B820, 0x2CEA1, 0x2CEB0, 0x2EBE0, 0x2EBF0, 0x2EE5D, 0x30000, 0x3134A, 0x31350, 0x323AF],
    ids=lambda code: f"U+{code:04X}",
)
def test_every_han_block_is_accepted_at_both_ends(code):
    assert check_name("王" + chr(code)) == "王" + chr(code)


def test_the_han_ranges_are_ideographs_where_python_knows_them():
    # unicodedata 14.0 (Python 3.11) predates Extensions H and I and U+2B739 (Unicode 15.0).
    newer = {0x2B739, 0x2EBF0, 0x2EE5D, 0x31350, 0x323AF}
    for low, high in HAN_RANGES + COMPATIBILITY_RANGES:
        for code in {low, high} - newer:
            name = unicodedata.name(chr(code), "")
            assert name.startswith(("CJK", "IDEOGRAPHIC NUMBER ZERO")), hex(code)


@pytest.mark.parametrize("char", ["\uf92c", "\ufa11", "\U0002f800", "\U0002fa1d"], ids=ascii)
def test_compatibility_ideographs_are_kept_as_written(char):
    # NFC and NFKC would replace them by the unified ideograph; the register chose this code point.
    assert check_name("王" + char) == "王" + char


@pytest.mark.parametrize(("pua", "ideograph"), sorted(GB18030_PRIVATE_USE.items()))
def test_private_use_code_points_of_gb18030_2005_become_their_ideographs(pua, ideograph):
    assert check_name("王" + chr(pua)) == "王" + chr(ideograph)


def test_a_gb18030_2022_file_with_a_formerly_private_use_ideograph_reads_as_the_ideograph():
    # FE59 is 龴 U+9FB4 in GB 18030-2022; Python's codec follows the 2005 table (U+E81E).
    assert check_name(b"\xcd\xf5\xfe\x59".decode("gb18030")) == "王\u9fb4"


@pytest.mark.parametrize("separator", ["·", "・", "‧", "•", "･", "\u0387"], ids=ascii)
def test_minority_separators_are_stored_as_the_middle_dot(separator):
    assert check_name(f"买买提{separator}艾力") == "买买提\u00b7艾力"
    assert check_name(f"买买提 {separator} 艾力") == "买买提\u00b7艾力"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("王 大 明", "王大明"),
        ("\u3000王𠮷\u3000", "王𠮷"),
        ("Anna  Maria", "Anna Maria"),
        ("ＺＨＡＮＧ San", "ZHANG San"),
        ("Zoe\u0301", "Zoé"),
        ("Lü Bu", "Lü Bu"),
        ("⼈王", "人王"),  # a Kangxi radical is NFKC-folded to its ideograph
    ],
)
def test_spaces_widths_and_compositions_are_normalised(written, stored):
    assert check_name(written) == stored


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("张三1<b>", character(3, "1", REASON_DIGIT)),
        ("李１", character(2, "１", REASON_DIGIT)),
        ("李0", character(2, "0", REASON_ZERO)),
        ("李O", character(2, "O", REASON_LATIN_O)),
        ("王a明", character(2, "a", REASON_LATIN_IN_HAN)),
        ("Wаng", character(2, "а", REASON_OTHER_SCRIPT)),  # Cyrillic а
        ("王ロ", character(2, "ロ", REASON_OTHER_SCRIPT)),  # katakana for 口
        ("王😀", character(2, "😀", REASON_SYMBOL)),
        ("王\ue000", character(2, "\ue000", REASON_PRIVATE_USE)),
        ("王\U000f0000", character(2, "\U000f0000", REASON_PRIVATE_USE)),
        ("⿰金金", character(1, "⿰", REASON_COMPONENT)),
        ("王\u31c0", character(2, "\u31c0", REASON_COMPONENT)),
        ("王\u0301", character(1, "\u0301", REASON_MARK)),
        ("·艾力", character(1, "·", REASON_SEPARATOR)),
        ("艾力•", character(3, "•", REASON_SEPARATOR)),
        ("买买提··艾力", character(5, "·", REASON_SEPARATOR)),
        ("王 𠮷 2", character(5, "2", REASON_DIGIT)),  # positions count what the clerk sees, spaces too
        ("王𠮷𠮷3", character(4, "3", REASON_DIGIT)),  # an Extension B character counts once
    ],
    ids=ascii,
)
def test_refusals_name_the_character_its_position_and_code_point(written, expected):
    assert refused(written) == expected


@pytest.mark.parametrize(
    "char", ["\u200b", "\u200d", "\u202e", "\x07", "\ufeff", "\ufe0f", "\U000e0100"], ids=ascii
)
def test_invisible_characters_are_refused_by_code_point(char):
    assert refused("王" + char + "明") == NAME_INVISIBLE.format(position=2, code=f"U+{ord(char):04X}")


def test_the_message_a_clerk_reads():
    assert refused("王𠮷1") == "姓名第 3 个字“1”（U+0031）是数字，姓名中不能有数字，请核对。"
    assert refused("李O") == "姓名第 2 个字“O”（U+004F）是拉丁字母，不是汉字“〇”（U+3007），请核对。"


def test_required_and_length():
    assert refused("  ") == NAME_REQUIRED
    longest = "阿" * (NAME_MAX_LENGTH - 1) + "𠮷"
    assert check_name(longest) == longest
    assert refused(longest + "𠮷") == NAME_TOO_LONG.format(limit=NAME_MAX_LENGTH, length=NAME_MAX_LENGTH + 1)


def test_the_service_check_reports_on_the_name_field():
    with pytest.raises(ValidationError) as info:
        worker_check_name("李O")
    assert info.value.message_dict == {"name": [character(2, "O", REASON_LATIN_O)]}


def test_normalise_name_never_refuses():
    assert normalise_name("买买提 • 艾力") == "买买提·艾力"
    assert normalise_name("张三1") == "张三1"
    assert normalise_name(None) == ""
