"""Identifier validation: THREATS.md sections F9, H2, H3, I1–I8 and the "Identifier algorithms" vectors.

The property tests compute check characters with their own, independent formulation of each algorithm
(powers of the weight base, "sum plus check is ≡ 1 / 0"), so they do not reuse the code under test.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.validators import (
    CREDIT_CODE_CHECK_CHAR,
    CREDIT_CODE_FORMAT,
    CREDIT_CODE_INVISIBLE,
    CREDIT_CODE_NUMERIC,
    CREDIT_CODE_ORG_CHECK_CHAR,
    CREDIT_CODE_REQUIRED,
    ID_NUMBER_CHECK_DIGIT,
    ID_NUMBER_FORMAT,
    ID_NUMBER_FUTURE_DATE,
    ID_NUMBER_INVALID_DATE,
    ID_NUMBER_INVISIBLE,
    ID_NUMBER_LEGACY_RESERVED_SEQUENCE,
    ID_NUMBER_NUMERIC,
    ID_NUMBER_REQUIRED,
    ID_NUMBER_TOO_EARLY,
    PHONE_FORMAT,
    PHONE_INVISIBLE,
    SEX_FEMALE,
    SEX_MALE,
    IdNumberInfo,
    age_on,
    credit_code_check_char,
    has_invisible_characters,
    id_number_check_char,
    id_number_info,
    mask_id_number,
    mask_phone,
    normalise_credit_code,
    normalise_id_number,
    normalise_id_number_ex,
    normalise_phone,
    normalise_text,
    organisation_code_check_char,
)

VALID_IDS = ["11010519491231002X", "440524188001010014", "513101198201130014", "370101190102039973"]
VALID_CREDIT_CODES = ["91512081MA62K0260E", "11320000MB151840XJ", "9131000063159284XQ"]
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ID_CHARS = "0123456789X"
TODAY = date(2025, 6, 30)


def _rejects(func, value, code, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        func(value, **kwargs)
    assert excinfo.value.code == code
    return excinfo.value


def _message(error: ValidationError) -> str:
    (message,) = error.messages
    return str(message)


# Independent oracles -------------------------------------------------------------------------------------


def _oracle_id_check(body17: str) -> str:
    """MOD 11-2 written as in the standard: W_i = 2^(18-i) mod 11, and (S + check) mod 11 == 1."""
    total = sum(int(digit) * pow(2, 17 - i, 11) for i, digit in enumerate(body17))
    value = next(v for v in range(11) if (total + v) % 11 == 1)
    return "X" if value == 10 else str(value)


def _oracle_org_check(body8: str) -> str:
    total = sum(int(char, 36) * weight for char, weight in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    value = next(v for v in range(1, 12) if (total + v) % 11 == 0)
    return {10: "X", 11: "0"}.get(value, str(value))


def _oracle_credit_check(body17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(char) * pow(3, i, 31) for i, char in enumerate(body17))
    return CREDIT_ALPHABET[next(v for v in range(31) if (total + v) % 31 == 0)]


# ID number: vectors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", VALID_IDS)
def test_valid_id_numbers(value):
    assert normalise_id_number(value) == value
    assert id_number_check_char(value[:17]) == value[17] == _oracle_id_check(value[:17])


def test_worked_example_check_char():
    assert id_number_check_char("51310119820113001") == "4"


def test_wrong_check_digit_is_rejected_with_message():
    error = _rejects(normalise_id_number, "110105194912310021", "check_digit")
    assert error.messages == [ID_NUMBER_CHECK_DIGIT]
    assert _message(error) == "公民身份号码校验位错误，请核对最后一位，并逐位检查有无录错的数字。"


@pytest.mark.parametrize(
    ("body", "bad_date"),
    [("11010519490230", "19490230"), ("11010519900231", "19900231"), ("11010520230229", "20230229")],
)
def test_impossible_birth_date_is_rejected(body, bad_date):
    body17 = body + "123"
    error = _rejects(normalise_id_number, body17 + id_number_check_char(body17), "invalid_date")
    assert _message(error) == ID_NUMBER_INVALID_DATE.format(date=bad_date)


def test_leap_day_birth_date_is_accepted():
    body17 = "11010520000229123"
    assert normalise_id_number(body17 + id_number_check_char(body17))


def test_future_birth_date_is_rejected():
    tomorrow = TODAY + timedelta(days=1)
    body17 = "500101" + tomorrow.strftime("%Y%m%d") + "123"
    error = _rejects(normalise_id_number, body17 + id_number_check_char(body17), "future_date", today=TODAY)
    assert _message(error) == ID_NUMBER_FUTURE_DATE.format(date=tomorrow.strftime("%Y%m%d"))
    same_day = "500101" + TODAY.strftime("%Y%m%d") + "123"
    assert normalise_id_number(same_day + id_number_check_char(same_day), today=TODAY)


def test_future_birth_date_against_real_today():
    body17 = "50010120991231123"
    _rejects(normalise_id_number, body17 + id_number_check_char(body17), "future_date")


def test_birth_year_before_1880_is_rejected():
    body17 = "11010518791231002"
    error = _rejects(normalise_id_number, body17 + id_number_check_char(body17), "date_too_early")
    assert _message(error) == ID_NUMBER_TOO_EARLY.format(year=1880)


# ID number: normalisation (F9, H2) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２ｘ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "\u300011010519491231002X\u3000",
        "11010519491231002X   ",
        "  110105 19491231 002x\t\n",
    ],
)
def test_spellings_of_one_id_give_one_key(value):
    assert normalise_id_number(value) == "11010519491231002X"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x00", "\u202e"])
def test_invisible_characters_are_rejected_not_stripped(invisible):
    value = "110105194912" + invisible + "31002X"
    error = _rejects(normalise_id_number, value, "invisible")
    assert error.messages == [ID_NUMBER_INVISIBLE]
    assert _message(error).startswith("公民身份号码中含有看不见的字符")


def test_trailing_zero_width_space_is_rejected():
    _rejects(normalise_id_number, "11010519491231002X\u200b", "invisible")


@pytest.mark.parametrize(
    "value",
    [
        110105194912310021,
        1.10105199001011e17,
        110105199001011000,
        "5.00101E+17",
        "1.10105199001011E+17",
        "1.10105199001011e17",
        "110105199001011000.0",
        "110105199001011000",  # 15 significant digits kept, the rest zeroed, check char fails
    ],
)
def test_numbers_mangled_by_excel_are_rejected_with_text_format_hint(value):
    error = _rejects(normalise_id_number, value, "numeric")
    assert error.messages == [ID_NUMBER_NUMERIC]
    assert "文本" in _message(error)


@pytest.mark.parametrize(
    "value",
    [
        "1101051949123100",
        "11010519491231002XX",
        "1101051949123100X2",
        "11010519491231002Y",
        "abc",
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits: \d must not accept them
        "११०१०५४९१२३१००२",
    ],
)
def test_wrong_length_or_characters_are_rejected(value):
    error = _rejects(normalise_id_number, value, "format")
    assert error.messages == [ID_NUMBER_FORMAT]


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_empty_id_number_is_required(value):
    error = _rejects(normalise_id_number, value, "required")
    assert error.messages == [ID_NUMBER_REQUIRED]


@pytest.mark.parametrize("value", [True, date(1990, 1, 1), b"11010519491231002X"])
def test_non_text_id_number_is_rejected(value):
    _rejects(normalise_id_number, value, "format")


# ID number: legacy 15 digits (I5, H3) --------------------------------------------------------------------


def test_legacy_number_is_converted():
    assert normalise_id_number("110105491231002") == "11010519491231002X"
    assert normalise_id_number_ex("110105491231002") == ("11010519491231002X", [])
    assert normalise_id_number("１１０１０５４９１２３１００２") == normalise_id_number("11010519491231002x")


@pytest.mark.parametrize("sequence", ["996", "997", "998", "999"])
def test_legacy_reserved_sequence_is_flagged_for_review(sequence):
    id18, warnings = normalise_id_number_ex("110105051231" + sequence)
    body17 = "11010519051231" + sequence
    assert id18 == body17 + _oracle_id_check(body17)
    assert warnings == [str(ID_NUMBER_LEGACY_RESERVED_SEQUENCE)]
    assert id_number_info(id18, legacy=True).legacy_sequence_reserved is True
    assert id_number_info(id18).legacy_sequence_reserved is False


def test_eighteen_digit_number_with_sequence_997_is_not_flagged():
    assert normalise_id_number_ex("370101190102039973") == ("370101190102039973", [])


def test_legacy_number_with_impossible_date_is_rejected():
    error = _rejects(normalise_id_number, "110105490230002", "invalid_date")
    assert _message(error) == ID_NUMBER_INVALID_DATE.format(date="19490230")


# ID number: derived facts (DESIGN §4 rule 1, I8) ---------------------------------------------------------


def test_sex_birth_date_and_region_come_from_the_number():
    assert id_number_info("11010519491231002X") == IdNumberInfo(
        birth_date=date(1949, 12, 31), sex=SEX_FEMALE, region_code="110105", legacy_sequence_reserved=False
    )
    info = id_number_info("440524188001010014")
    assert (info.birth_date, info.sex, info.region_code) == (date(1880, 1, 1), SEX_MALE, "440524")
    assert id_number_info("513101198201130014").sex == "男"
    assert id_number_info("370101190102039973").birth_date == date(1901, 2, 3)


def test_id_number_info_requires_normalised_input():
    with pytest.raises(ValueError):
        id_number_info("11010519491231002x")


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1990, 6, 15), date(2025, 6, 14), 34),
        (date(1990, 6, 15), date(2025, 6, 15), 35),
        (date(1990, 6, 15), date(1990, 6, 15), 0),
        (date(2000, 2, 29), date(2025, 2, 28), 24),
        (date(2000, 2, 29), date(2025, 3, 1), 25),
        (date(2000, 2, 29), date(2024, 2, 29), 24),
    ],
)
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age


# Text helpers --------------------------------------------------------------------------------------------


def test_normalise_text():
    assert normalise_text("\u3000ＡＢＣ１２３ ") == "ABC123"
    assert normalise_text(None) == ""
    assert normalise_text("a\u200bb") == "a\u200bb"


def test_has_invisible_characters():
    assert not has_invisible_characters("11010519491231002X \u3000\t\n")
    assert has_invisible_characters("1\u200b")
    assert has_invisible_characters("1\ufeff")
    assert has_invisible_characters("1\x07")
    assert has_invisible_characters("1\u00ad")


# Masking (E) ---------------------------------------------------------------------------------------------


def test_mask_id_number():
    assert mask_id_number("50010119900101123X") == "500101********123X"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("") == ""


def test_mask_phone():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("") == ""


# Unified social credit code (I6, I7) ---------------------------------------------------------------------


@pytest.mark.parametrize("value", VALID_CREDIT_CODES)
def test_valid_credit_codes(value):
    assert normalise_credit_code(value) == value
    assert credit_code_check_char(value[:17]) == value[17] == _oracle_credit_check(value[:17])
    assert organisation_code_check_char(value[8:16]) == value[16] == _oracle_org_check(value[8:16])


def test_published_org_code_example():
    assert organisation_code_check_char("MA62K026") == "0"


def test_credit_code_is_normalised():
    assert normalise_credit_code(" ９１５１２０８１ｍａ６２ｋ０２６０ｅ\u3000") == "91512081MA62K0260E"
    assert normalise_credit_code("91512081ma62k0260e") == "91512081MA62K0260E"


def test_published_invalid_example_computes_check_3():
    # The published example ends in Z, which is outside the alphabet, so the pattern rejects it first.
    assert credit_code_check_char("91350100M000100Y4") == "3"
    error = _rejects(normalise_credit_code, "91350100M000100Y4Z", "format")
    assert error.messages == [CREDIT_CODE_FORMAT]
    assert normalise_credit_code("91350100M000100Y43") == "91350100M000100Y43"


def test_wrong_credit_check_char_is_rejected_with_message():
    error = _rejects(normalise_credit_code, "91310115MA1H8R7C6D", "check_digit")
    assert error.messages == [CREDIT_CODE_CHECK_CHAR]


def test_wrong_org_check_char_is_rejected_with_its_own_message():
    body16 = "91310115MA1H8R7C"
    wrong_org = "7" if organisation_code_check_char(body16[8:]) != "7" else "8"
    body17 = body16 + wrong_org
    error = _rejects(normalise_credit_code, body17 + credit_code_check_char(body17), "org_check_digit")
    assert error.messages == [CREDIT_CODE_ORG_CHECK_CHAR]


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
@pytest.mark.parametrize("position", [0, 1, 8, 12, 16, 17])
def test_credit_code_with_excluded_letter_is_rejected(letter, position):
    valid = "91512081MA62K0260E"
    error = _rejects(normalise_credit_code, valid[:position] + letter + valid[position + 1 :], "format")
    assert "I、O、Z、S、V" in _message(error)


@pytest.mark.parametrize("value", ["9151208AMA62K0260E", "91512081MA62K0260", "91512081MA62K0260E0"])
def test_credit_code_of_wrong_shape_is_rejected(value):
    _rejects(normalise_credit_code, value, "format")


def test_credit_code_other_failures():
    assert _rejects(normalise_credit_code, "", "required").messages == [CREDIT_CODE_REQUIRED]
    assert _rejects(normalise_credit_code, "91512081MA62K\u200b0260E", "invisible").messages == [
        CREDIT_CODE_INVISIBLE
    ]
    assert _rejects(normalise_credit_code, 915120810000000000, "numeric").messages == [CREDIT_CODE_NUMERIC]
    _rejects(normalise_credit_code, "9.15120810000000E+17", "numeric")


# Phone --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13812341234",
        " 138 1234 1234 ",
        "138-1234-1234",
        "+8613812341234",
        "+86 138 1234 1234",
        "8613812341234",
        "008613812341234",
        "１３８１２３４１２３４",
        13812341234,
        13812341234.0,
    ],
)
def test_valid_phone(value):
    assert normalise_phone(value) == "13812341234"


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty_phone_is_allowed(value):
    assert normalise_phone(value) == ""


@pytest.mark.parametrize(
    "value",
    [
        "1381234123",
        "138123412345",
        "023-58888888",
        "02358888888",
        "12812341234",
        "+8623588888888",
        "١٣٨١٢٣٤١٢٣٤",
        1.5,
        True,
    ],
)
def test_invalid_phone_is_rejected(value):
    error = _rejects(normalise_phone, value, "format")
    assert error.messages == [PHONE_FORMAT]


def test_phone_with_invisible_character_is_rejected():
    assert _rejects(normalise_phone, "138\u200b12341234", "invisible").messages == [PHONE_INVISIBLE]


# Properties ----------------------------------------------------------------------------------------------


@st.composite
def valid_id_numbers(draw) -> str:
    region = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    body17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body17 + _oracle_id_check(body17)


@st.composite
def valid_credit_codes(draw) -> str:
    head = draw(st.text(alphabet=CREDIT_ALPHABET, min_size=2, max_size=2))
    division = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    org_body = draw(st.text(alphabet=CREDIT_ALPHABET, min_size=8, max_size=8))
    body17 = head + division + org_body + _oracle_org_check(org_body)
    return body17 + _oracle_credit_check(body17)


def _substitute(value: str, alphabet: str, position: int, shift: int) -> str:
    replacement = alphabet[(alphabet.index(value[position]) + shift) % len(alphabet)]
    assert replacement != value[position]
    return value[:position] + replacement + value[position + 1 :]


@settings(max_examples=200, deadline=None)
@given(valid_id_numbers())
def test_property_generated_id_numbers_pass(id18):
    assert normalise_id_number(id18) == id18
    assert normalise_id_number(id18.lower()) == id18


@settings(max_examples=200, deadline=None)
@given(
    valid_id_numbers(),
    st.integers(min_value=0, max_value=17),
    st.integers(min_value=1, max_value=len(ID_CHARS) - 1),
)
def test_property_any_single_substitution_in_an_id_number_fails(id18, position, shift):
    with pytest.raises(ValidationError):
        normalise_id_number(_substitute(id18, ID_CHARS, position, shift))


@settings(max_examples=200, deadline=None)
@given(valid_credit_codes())
def test_property_generated_credit_codes_pass(code):
    assert normalise_credit_code(code) == code


@settings(max_examples=200, deadline=None)
@given(
    valid_credit_codes(),
    st.integers(min_value=0, max_value=17),
    st.integers(min_value=1, max_value=len(CREDIT_ALPHABET) - 1),
)
def test_property_any_single_substitution_in_a_credit_code_fails(code, position, shift):
    with pytest.raises(ValidationError):
        normalise_credit_code(_substitute(code, CREDIT_ALPHABET, position, shift))
