"""--next-period: new snapshots beside the old ones, and a manifest that matches their diff."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from hub.synth.exports import REGISTRY_SHEET
from hub.synth.periods import advance


def _registry(folder: Path, period: str) -> dict[str, list[tuple[Any, ...]]]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    out: dict[str, list[tuple[Any, ...]]] = {}
    for path in sorted(folder.glob(f"files/student_registry/学籍_*_{period}.xlsx")):
        layout = manifest["files"][str(path.relative_to(folder))]
        rows = (
            CalamineWorkbook.from_path(str(path))
            .get_sheet_by_name(REGISTRY_SHEET)
            .to_python(skip_empty_area=False)
        )
        for row in rows[layout["first_data_row"] - 1 :]:
            if row and row[0] != "":
                out.setdefault(str(row[0]).strip(), []).append(tuple(row))
    return {k: sorted(v, key=repr) for k, v in out.items()}


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    return {
        "inserted": sorted(set(new) - set(old)),
        "updated": sorted(k for k in set(old) & set(new) if old[k] != new[k]),
        "deleted": sorted(set(old) - set(new)),
    }


def _table(path: Path, table: str) -> dict[str, tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return {str(r[0]): r for r in conn.execute(f"SELECT * FROM {table}")}


def test_advance_writes_the_next_month_beside_the_old_files(advanced: Path) -> None:
    manifest = json.loads((advanced / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["previous_period"], manifest["period"]) == ("202609", "202610")
    assert list(advanced.glob("files/student_registry/*_202609.xlsx"))
    assert list(advanced.glob("files/student_registry/*_202610.xlsx"))
    assert list(advanced.glob("files/teachers/*_2026Q4.xlsx"))
    assert "period: '202610'" in (advanced / "sources.yaml").read_text(encoding="utf-8")


def test_next_period_manifest_matches_registry_snapshot_diff(advanced: Path) -> None:
    manifest = json.loads((advanced / "manifest.json").read_text(encoding="utf-8"))
    expected = _diff(_registry(advanced, "202609"), _registry(advanced, "202610"))
    assert manifest["changes"]["student_registry"] == expected
    assert all(expected[k] for k in ("inserted", "updated", "deleted"))


def test_next_period_manifest_matches_exchange_db_diff(province: Path, advanced: Path) -> None:
    manifest = json.loads((advanced / "manifest.json").read_text(encoding="utf-8"))
    inserted: list[str] = []
    updated: list[str] = []
    deleted: list[str] = []
    for table in ("xszz_ffmx", "jdlk_pkh"):
        old, new = _table(province / "exchange.db", table), _table(advanced / "exchange.db", table)
        inserted += sorted(set(new) - set(old))
        for key in set(old) & set(new):
            if old[key] != new[key]:
                (deleted if new[key][-1] == 1 and old[key][-1] == 0 else updated).append(key)
                assert new[key][-2] > old[key][-2]  # update_time moved on
    changes = manifest["changes"]["student_aid"]
    assert changes["inserted"] == sorted(inserted)
    assert changes["updated"] == sorted(updated)
    assert changes["deleted"] == sorted(deleted)
    assert inserted
    assert deleted


def test_next_period_adds_health_tests(province: Path, advanced: Path) -> None:
    manifest = json.loads((advanced / "manifest.json").read_text(encoding="utf-8"))
    before = _table(province / "api" / "simulator.db", "health_tests")
    after = _table(advanced / "api" / "simulator.db", "health_tests")
    assert len(after) > len(before)
    assert manifest["changes"]["physical_health"]["inserted"]


def test_next_period_lists_dirt_of_old_and_new_files(advanced: Path) -> None:
    manifest = json.loads((advanced / "manifest.json").read_text(encoding="utf-8"))
    files = {d["file"] for d in manifest["dirty"] if d["source"] == "student_registry"}
    assert any("202609" in f for f in files)
    assert any("202610" in f for f in files)


def test_advance_same_province_gives_identical_bytes(
    province: Path, advanced: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    shutil.copytree(province, again)
    advance(again, workers=2)
    for path in sorted(advanced.rglob("*")):
        if path.is_file():
            assert (again / path.relative_to(advanced)).read_bytes() == path.read_bytes(), path


def test_advance_twice_replays_the_months_between(advanced: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    shutil.copytree(advanced, again)
    manifest = advance(again, workers=1)
    assert (manifest["previous_period"], manifest["period"]) == ("202610", "202611")
    assert list(again.glob("files/student_registry/*_202611.xlsx"))
    assert manifest["changes"]["student_registry"]["inserted"]
