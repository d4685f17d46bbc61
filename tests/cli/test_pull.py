"""``eduhub pull``, ``runs`` and ``quarantine`` on hand-made sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from tests.conftest import TEST_KEY
from tests.connectors import factories as fx

runner = CliRunner()
A, B = fx.id_number(seq="101"), fx.id_number(seq="202")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    fx.write_schools(tmp_path, [fx.school_row()])
    fx.write_pupils(tmp_path, [fx.pupil(A), fx.pupil(B, 身份证件号=fx.wrong_check(B))])
    return fx.write_sources(tmp_path)


def cli(database_url: str, *args: str) -> str:
    result = runner.invoke(
        app, ["--database-url", database_url, *args], env={"EDUHUB_ID_HASH_KEY": TEST_KEY}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_pull_all_prints_a_summary_per_connector(database_url: str, config: Path) -> None:
    out = cli(database_url, "pull", "--all", "--config", str(config))
    assert "student_registry" in out
    assert "institution_codes" in out


def test_runs_json_lists_counts_of_each_run(database_url: str, config: Path) -> None:
    cli(database_url, "pull", "--all", "--config", str(config), "--quiet")
    runs = json.loads(cli(database_url, "runs", "--json"))
    registry = next(r for r in runs if r["connector"] == "student_registry")
    assert registry["status"] == "ok"
    assert (registry["counts"]["read"], registry["counts"]["quarantined"]) == (2, 1)


def test_quarantine_list_show_and_export(database_url: str, config: Path) -> None:
    cli(database_url, "pull", "--all", "--config", str(config), "--quiet")
    (entry,) = json.loads(cli(database_url, "quarantine", "list", "--json"))
    assert entry["rule"] == "id_number.check_digit"
    shown = json.loads(cli(database_url, "quarantine", "show", str(entry["id"]), "--json"))
    assert shown["locator"] == {"sheet": "学生基本信息", "row": 4}
    exported = cli(database_url, "quarantine", "export", "--run", str(entry["run_id"]))
    assert exported.lstrip("\ufeff").startswith("id,run_id,connector")
    assert "id_number.check_digit" in exported


def test_pull_unknown_source_is_a_one_line_error(database_url: str, config: Path) -> None:
    result = runner.invoke(
        app, ["--database-url", database_url, "pull", "nosuch", "--config", str(config)]
    )
    assert result.exit_code != 0
    assert "unknown source nosuch" in result.output
