"""ID numbers, 全国学籍号 and 学校标识码: what passes, and which rule a bad value breaks."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.identifiers import (
    birth_date_of,
    check_id_number,
    check_school_code,
    check_xjh,
    gender_of,
    id_check_char,
    id_hash,
    identify,
    mask_id,
    mask_name,
    normalize_text,
)

KEY = b"test-key"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("360426199101010071", "360426199101010071"),  # standards.md §4.1 examples
        ("120103198806018241", "120103198806018241"),
        ("110101202311012176", "110101202311012176"),
        ("32010219900307101X", "32010219900307101X"),
        ("32010219900307101x", "32010219900307101X"),
        ("\u3000３６０４２６１９９１０１０１００７１ ", "360426199101010071"),
        (" 360426199101010071\n", "360426199101010071"),
    ],
)
def test_check_id_number_accepts_valid(raw: str, expected: str) -> None:
    result = check_id_number(raw)
    assert result.ok, result.message
    assert result.value == expected
    assert result.kind == "id_number"
    assert result.rule is None
    assert result.message is None


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("360426199101010072", "id_number.check_digit"),  # standards.md §4.1: must fail
        ("320102199902301237", "id_number.birth_date"),  # 1999-02-30
        ("320102209901010012", "id_number.birth_date"),  # 2099, in the future
        ("320102189912310015", "id_number.birth_date"),  # before 1900
        ("990102199003071233", "id_number.region"),
        ("36042619910101007", "id_number.length"),
        ("3604261991O1010071", "id_number.format"),
        ("36042619910101007Y", "id_number.format"),
        ("", "id_number.empty"),
        ("   ", "id_number.empty"),
        (None, "id_number.empty"),
    ],
)
def test_check_id_number_rejects_invalid(raw: str | None, rule: str) -> None:
    result = check_id_number(raw)
    assert not result.ok
    assert result.rule == rule
    assert result.message


def test_check_id_number_message_names_expected_digit() -> None:
    result = check_id_number("360426199101010072")
    assert result.message == "身份证号校验码错误：应为 1，实为 2 (check digit should be 1, got 2)"


def test_check_id_number_rejects_birth_after_given_today() -> None:
    result = check_id_number("110101202311012176", today=date(2023, 10, 31))
    assert result.rule == "id_number.birth_date"


def test_check_id_number_keeps_normalised_value_when_invalid() -> None:
    assert check_id_number(" 36042619910101007x ").value == "36042619910101007X"


@pytest.mark.parametrize(
    ("first17", "expected"),
    [("36042619910101007", "1"), ("12010319880601824", "1"), ("32010219900307101", "X")],
)
def test_id_check_char_computes_mod_11_2(first17: str, expected: str) -> None:
    assert id_check_char(first17) == expected


@pytest.mark.parametrize("bad", ["3604261991010100", "3604261991010100X", "360426199101010071"])
def test_id_check_char_rejects_non_17_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="17 digits"):
        id_check_char(bad)


def test_birth_date_of_reads_positions_7_to_14() -> None:
    assert birth_date_of("360426199101010071") == date(1991, 1, 1)


@pytest.mark.parametrize(
    ("id_number", "gender"),
    [("360426199101010071", "1"), ("120103198806018241", "2"), ("32010219900307101X", "1")],
)
def test_gender_of_follows_sequence_parity(id_number: str, gender: str) -> None:
    assert gender_of(id_number) == gender


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("G360426199101010071", "G360426199101010071"),
        ("g32010219900307101x", "G32010219900307101X"),
        ("J320102201506010016", "J320102201506010016"),
        ("L320102201506010001", "L320102201506010001"),
        ("ｌ320102201506019999", "L320102201506019999"),
    ],
)
def test_check_xjh_accepts_valid(raw: str, expected: str) -> None:
    result = check_xjh(raw)
    assert result.ok, result.message
    assert result.value == expected
    assert result.kind == "xjh"


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("G360426199101010072", "xjh.check_digit"),
        ("J320102201506010011", "xjh.check_digit"),
        ("K360426199101010071", "xjh.prefix"),
        ("L320102201502300001", "xjh.birth_date"),  # 2015-02-30
        ("L320102209901010001", "xjh.birth_date"),
        ("L99010220150601000X", "xjh.format"),  # L numbers have no check character
        ("G990102199003071233", "xjh.region"),
        ("J32010220150601001", "xjh.length"),
        ("L3201022015060100011", "xjh.length"),
        ("G36042619910101007A", "xjh.format"),
        ("", "xjh.empty"),
        (None, "xjh.empty"),
    ],
)
def test_check_xjh_rejects_invalid(raw: str | None, rule: str) -> None:
    result = check_xjh(raw)
    assert not result.ok
    assert result.rule == rule
    assert result.message


@pytest.mark.parametrize("raw", ["2132001234", " 2132001234 ", 2132001234, "２１３２００１２３４"])
def test_check_school_code_accepts_valid(raw: object) -> None:
    result = check_school_code(raw)
    assert result.ok
    assert result.value == "2132001234"


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("9932001234", "school_code.category"),
        ("2133001234", "school_code.province"),
        ("213200123", "school_code.length"),
        ("21320O1234", "school_code.format"),
        ("", "school_code.empty"),
    ],
)
def test_check_school_code_rejects_invalid(raw: str, rule: str) -> None:
    result = check_school_code(raw)
    assert not result.ok
    assert result.rule == rule


def test_check_school_code_accepts_other_province_when_asked() -> None:
    assert check_school_code("2133001234", province="33").ok


@pytest.mark.parametrize(
    ("raw", "kind", "ok"),
    [
        ("360426199101010071", "id_number", True),
        ("360426199101010072", "id_number", False),
        ("G360426199101010071", "xjh", True),
        ("j320102201506010016", "xjh", True),
        ("K360426199101010071", "xjh", False),
        ("2132001234", "school_code", True),
        ("123", "id_number", False),
    ],
)
def test_identify_guesses_kind_from_shape(raw: str, kind: str, ok: bool) -> None:
    result = identify(raw)
    assert result.kind == kind
    assert result.ok is ok


def test_id_hash_is_deterministic() -> None:
    assert id_hash("360426199101010071", KEY) == id_hash("360426199101010071", KEY)


def test_id_hash_depends_on_key() -> None:
    assert id_hash("360426199101010071", KEY) != id_hash("360426199101010071", b"other-key")


def test_id_hash_hides_the_clear_number() -> None:
    digest = id_hash("360426199101010071", KEY)
    assert len(digest) == 64
    assert "360426199101010071" not in digest
    assert "199101010071" not in digest


def test_id_hash_matches_lower_and_upper_x() -> None:
    assert id_hash("32010219900307101x", KEY) == id_hash("32010219900307101X", KEY)


def test_id_hash_rejects_empty_key() -> None:
    with pytest.raises(ValueError, match="key"):
        id_hash("360426199101010071", b"")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("32010219900307101X", "3201************1X"),
        ("G360426199101010071", "G360*************71"),
        ("123456", "******"),
        ("", ""),
    ],
)
def test_mask_id_keeps_first_four_and_last_two(raw: str, masked: str) -> None:
    assert mask_id(raw) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李"), (" 王小明 ", "王**"), ("", "")],
)
def test_mask_name_keeps_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1, "1"),
        (1.0, "1"),
        (2.5, "2.5"),
        (float("nan"), ""),
        (None, ""),
        ("\u3000ＡＢＣ１２３\u3000", "ABC123"),
        ("\ufeff32\u200b", "32"),
        (" a b ", "a b"),
    ],
)
def test_normalize_text_folds_spreadsheet_quirks(raw: object, expected: str) -> None:
    assert normalize_text(raw) == expected
