"""Code tables: the shipped CSVs are well formed and translate() finds what sources write."""

from __future__ import annotations

import pytest

from schemas.codes import (
    CodeEntry,
    UnknownCodeTable,
    check_code,
    code_tables,
    load_codes,
    translate,
)

EXPECTED_TABLES = [
    "aid_programme",
    "boarding",
    "degree_level",
    "destination",
    "enrolment_status",
    "ethnicity",
    "gender",
    "grade",
    "health_grade",
    "id_type",
    "left_behind",
    "post_category",
    "school_running",
    "school_type",
    "teaching_stage",
    "urban_rural",
    "wireless_coverage",
]


def test_code_tables_lists_every_csv_sorted() -> None:
    assert code_tables() == EXPECTED_TABLES


@pytest.mark.parametrize("table", EXPECTED_TABLES)
def test_load_codes_returns_entries(table: str) -> None:
    entries = load_codes(table)
    assert entries
    assert all(isinstance(e, CodeEntry) and e.name for e in entries.values())


@pytest.mark.parametrize("table", EXPECTED_TABLES)
def test_load_codes_keys_match_codes(table: str) -> None:
    assert all(code == entry.code for code, entry in load_codes(table).items())


@pytest.mark.parametrize("table", EXPECTED_TABLES)
def test_load_codes_parents_exist_in_same_table(table: str) -> None:
    entries = load_codes(table)
    assert {e.parent for e in entries.values() if e.parent} <= set(entries)


@pytest.mark.parametrize("table", EXPECTED_TABLES)
def test_translate_maps_every_spelling_of_an_entry_to_its_code(table: str) -> None:
    entries = load_codes(table)
    groups = {e.parent for e in entries.values()}
    for entry in entries.values():
        if entry.code in groups:  # a group may share its name with its main entry
            continue
        for spelling in (entry.code, entry.name, *entry.aliases):
            assert translate(table, spelling) == entry.code, spelling


@pytest.mark.parametrize("table", EXPECTED_TABLES)
def test_translate_maps_every_code_to_itself(table: str) -> None:
    assert all(translate(table, code) == code for code in load_codes(table))


def test_load_codes_ethnicity_has_gb_3304_codes() -> None:
    codes = set(load_codes("ethnicity"))
    assert codes == {f"{n:02d}" for n in range(1, 57)} | {"97", "98"}


def test_load_codes_school_type_has_no_367() -> None:
    assert "367" not in load_codes("school_type")


@pytest.mark.parametrize(("code", "group"), [("211", "21"), ("342", "34"), ("368", "36")])
def test_load_codes_school_type_children_point_to_group(code: str, group: str) -> None:
    assert load_codes("school_type")[code].parent == group


def test_load_codes_unknown_table_raises() -> None:
    with pytest.raises(UnknownCodeTable, match="gender"):
        load_codes("nonsense")


def test_translate_unknown_table_raises_lookup_error() -> None:
    with pytest.raises(LookupError):
        translate("nonsense", "1")


@pytest.mark.parametrize(
    ("table", "value", "code"),
    [
        ("gender", "1", "1"),
        ("gender", "男", "1"),
        ("gender", "女性", "2"),
        ("gender", 1, "1"),
        ("gender", 2.0, "2"),
        ("gender", "1.0", "1"),
        ("ethnicity", "1", "01"),
        ("ethnicity", 1, "01"),
        ("ethnicity", "汉族", "01"),
        ("ethnicity", "汉", "01"),
        ("ethnicity", "HA", "01"),
        ("ethnicity", "ha", "01"),
        ("ethnicity", "崩龙族", "46"),
        ("ethnicity", "\u3000汉族 ", "01"),
        ("ethnicity", "０１", "01"),
        ("id_type", "a", "A"),
        ("grade", "初中一年级", "07"),
        ("grade", 7, "07"),
        ("grade", "小班", "K1"),
        ("school_type", "小学", "211"),
        ("school_type", "中职", "36"),
        ("school_type", "普通高中", "34"),
        ("school_type", "其他培训机构(含社会培训机构)", "933"),
        ("urban_rural", "0210", "210"),
        ("left_behind", 0, "0"),
    ],
)
def test_translate_finds_code(table: str, value: object, code: str) -> None:
    assert translate(table, value) == code


@pytest.mark.parametrize("value", ["火星人", "", None, "1.5", "3"])
def test_translate_returns_none_for_unknown(value: object) -> None:
    assert translate("gender", value) is None


def test_check_code_accepts_alias_and_returns_code() -> None:
    result = check_code("ethnicity", "汉")
    assert result.ok
    assert result.value == "01"


def test_check_code_names_rule_after_table() -> None:
    result = check_code("ethnicity", "火星")
    assert not result.ok
    assert result.rule == "code.ethnicity"
    assert result.value == "火星"
    assert result.message is not None
    assert "民族" in result.message
