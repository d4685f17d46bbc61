"""Every shipped entry obeys the cataloguing rules and mirrors the unified schema."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import schemas
from catalog.consistency import BOOKKEEPING, check_against_schema
from catalog.loader import PACKAGE_DIR, load_catalog
from catalog.model import Entry
from catalog.rules import check_entry
from tests.catalog.factories import copy_catalog, edit_entry, shipped_entry

ENTRY_FILES = sorted((PACKAGE_DIR / "entries").glob("*.yaml"))
TABLES = [
    "schools",
    "classes",
    "class_size_stats",
    "ict_surveys",
    "students",
    "teachers",
    "aid_payments",
    "poor_households",
    "health_tests",
    "graduate_destinations",
    "regions",
]


@pytest.mark.parametrize("path", ENTRY_FILES, ids=lambda p: p.stem)
def test_validate_entry_file(path: Path) -> None:
    entry = Entry.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert entry.id == path.stem
    assert check_entry(entry) == []


@pytest.mark.parametrize("path", ENTRY_FILES, ids=lambda p: p.stem)
def test_entry_matches_unified_schema(path: Path) -> None:
    entry = Entry.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert check_against_schema(entry) == []


def test_load_shipped_catalog_without_problems() -> None:
    loaded = load_catalog()
    assert [str(p) for p in loaded.problems] == []
    assert len(loaded.entries) == len(ENTRY_FILES)


@pytest.mark.parametrize("table", TABLES)
def test_every_unified_table_has_a_catalog_entry(table: str) -> None:
    assert table in schemas.metadata.tables
    assert table in {e.entity for e in load_catalog().entries}


def test_consistency_fails_when_schema_column_has_no_item() -> None:
    entry = shipped_entry("students")
    dropped = entry.items[3].field
    raw = entry.model_dump(mode="json")
    raw["items"] = [i for i in raw["items"] if i["field"] != dropped]
    problems = check_against_schema(Entry.model_validate(raw))
    assert [p.message for p in problems] == [f"column students.{dropped} has no 信息项"]


def test_consistency_fails_when_item_is_not_a_schema_column() -> None:
    raw = shipped_entry("teachers").model_dump(mode="json")
    raw["items"].append({"name": "血型", "field": "blood_type", "data_type": "C", "length": 2})
    problems = check_against_schema(Entry.model_validate(raw))
    assert [p.message for p in problems] == [
        "信息项 field 'blood_type' is not a column of teachers"
    ]


def test_consistency_fails_on_wrong_data_type() -> None:
    raw = shipped_entry("schools").model_dump(mode="json")
    for item in raw["items"]:
        if item["field"] == "closed_on":
            item["data_type"] = "C"
            item["length"] = 10
    problems = check_against_schema(Entry.model_validate(raw))
    assert [p.rule for p in problems] == ["catalog.schema_type"]


def test_consistency_fails_on_view_field_missing_from_sources() -> None:
    raw = shipped_entry("open_school_directory").model_dump(mode="json")
    raw["items"].append({"name": "校长", "field": "principal", "data_type": "C", "length": 60})
    problems = check_against_schema(Entry.model_validate(raw))
    assert [p.rule for p in problems] == ["catalog.schema_consistency"]


def test_bookkeeping_columns_are_not_catalogued() -> None:
    fields = {i.field for e in load_catalog().entries for i in e.items if e.entity}
    assert fields.isdisjoint(BOOKKEEPING)


def test_load_reports_item_missing_in_edited_copy(tmp_path: Path) -> None:
    root = copy_catalog(tmp_path)
    raw = shipped_entry("classes").model_dump(mode="json")
    edit_entry(root, "classes", items=[i for i in raw["items"] if i["field"] != "head_count"])
    loaded = load_catalog(root)
    assert [p.message for p in loaded.problems] == ["column classes.head_count has no 信息项"]


def test_load_reports_file_name_differing_from_id(tmp_path: Path) -> None:
    root = copy_catalog(tmp_path)
    (root / "entries" / "schools.yaml").rename(root / "entries" / "school_register.yaml")
    assert [p.rule for p in load_catalog(root).problems] == ["catalog.file_name"]
