"""eduhub catalog: validate, publish, diff, list, show and export from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from hub.cli.main import app
from tests.catalog.factories import copy_catalog, edit_entry, shipped_entries

runner = CliRunner()


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    return copy_catalog(tmp_path / "catalog")


def run(url: str, root: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["--database-url", url, "catalog", *args], env={"EDUHUB_CATALOG_DIR": str(root)}
    )
    return result.exit_code, result.output


def test_validate_shipped_catalog(database_url: str, catalog_dir: Path) -> None:
    code, output = run(database_url, catalog_dir, "validate")
    assert code == 0, output
    assert f"{len(shipped_entries())} entries valid" in output


def test_validate_reports_rule_and_fails(database_url: str, catalog_dir: Path) -> None:
    edit_entry(catalog_dir, "regions", openness={"open": True, "condition": ""}, items=[])
    code, output = run(database_url, catalog_dir, "validate")
    assert code == 1
    assert "regions" in output


def test_publish_change_publish_diff(database_url: str, catalog_dir: Path) -> None:
    assert run(database_url, catalog_dir, "publish", "--version", "1.0")[0] == 0
    edit_entry(catalog_dir, "schools", update_cycle="每周")
    assert run(database_url, catalog_dir, "publish", "--version", "1.1")[0] == 0
    code, output = run(database_url, catalog_dir, "diff", "1.0", "1.1", "--json")
    assert code == 0, output
    diff = json.loads(output)
    assert [(c["id"], [f["field"] for f in c["fields"]]) for c in diff["changed"]] == [
        ("schools", ["update_cycle"])
    ]


def test_publish_twice_is_one_line_error(database_url: str, catalog_dir: Path) -> None:
    run(database_url, catalog_dir, "publish", "--version", "1.0")
    code, output = run(database_url, catalog_dir, "publish", "--version", "1.0")
    assert code == 1
    assert output.strip().splitlines()[-1].startswith("Error: catalog version 1.0 is already")


def test_list_json_searches_chinese(database_url: str, catalog_dir: Path) -> None:
    run(database_url, catalog_dir, "publish", "--version", "1.0")
    code, output = run(database_url, catalog_dir, "list", "-q", "学籍", "--json")
    assert code == 0, output
    assert "students" in {r["id"] for r in json.loads(output)["data"]}


def test_export_xlsx_writes_workbook(database_url: str, catalog_dir: Path, tmp_path: Path) -> None:
    run(database_url, catalog_dir, "publish", "--version", "1.0")
    out = tmp_path / "catalog.xlsx"
    code, output = run(database_url, catalog_dir, "export", "--format", "xlsx", "--out", str(out))
    assert code == 0, output
    assert load_workbook(out).active.max_row - 1 == sum(len(e.items) for e in shipped_entries())


def test_new_code_records_next_sequence(database_url: str, catalog_dir: Path) -> None:
    code, output = run(database_url, catalog_dir, "new-code", "30700102", "student_awards")
    assert code == 0, output
    assert output.strip() == "30700102/002"
    assert "student_awards" in (catalog_dir / "registry.yaml").read_text(encoding="utf-8")
