"""Diffs name exactly what changed: resources, elements and info items."""

from __future__ import annotations

from catalog.diff import diff_entries
from tests.catalog.factories import shipped_entries, shipped_entry, variant


def test_diff_of_identical_catalogs_is_empty() -> None:
    entries = shipped_entries()
    result = diff_entries(entries, entries, old_version="1.0", new_version="1.1")
    assert (result.added, result.removed, result.changed) == ([], [], [])


def test_diff_reports_changed_element() -> None:
    old = shipped_entries()
    new = [variant(e.id, update_cycle="每周") if e.id == "schools" else e for e in old]
    result = diff_entries(old, new, old_version="1.0", new_version="1.1")
    assert [(c.id, [(f.field, f.old, f.new) for f in c.fields]) for c in result.changed] == [
        ("schools", [("update_cycle", shipped_entry("schools").update_cycle.value, "每周")])
    ]


def test_diff_reports_added_and_removed_resources() -> None:
    old = shipped_entries()
    new = [e for e in old if e.id != "teachers"]
    result = diff_entries(old, new, old_version="1.0", new_version="1.1")
    back = diff_entries(new, old, old_version="1.1", new_version="1.2")
    assert [r.id for r in result.removed] == ["teachers"]
    assert [r.id for r in back.added] == ["teachers"]


def test_diff_reports_item_renamed_added_and_removed() -> None:
    entry = shipped_entry("classes")
    raw_items = [i.model_dump(mode="json") for i in entry.items]
    raw_items[0]["name"] = "学校代码"
    dropped = raw_items.pop()
    raw_items.append({"name": "备注", "field": "remark", "data_type": "M"})
    new_entry = variant("classes", items=raw_items)
    result = diff_entries([entry], [new_entry], old_version="1.0", new_version="1.1")
    items = result.changed[0].items
    assert items.added == ["remark"]
    assert items.removed == [dropped["field"]]
    assert list(items.changed) == [entry.items[0].field]
