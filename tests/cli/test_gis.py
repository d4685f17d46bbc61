"""GIS commands: indicators listing and values."""

from __future__ import annotations

import json

from sqlmodel import Session
from typer.testing import CliRunner

from hub.cli.main import app
from hub.services.indicators import INDICATORS
from tests.gis.factories import make_province

runner = CliRunner()


def test_indicators_json_lists_every_definition_with_target() -> None:
    result = runner.invoke(app, ["indicators", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert set(rows) == set(INDICATORS)
    assert rows["k12_gigabit"]["target"] == 0.40
    assert rows["classes_56_plus"]["higher_is_better"] is False


def test_indicators_values_json_gives_thirteen_cities(database_url: str, session: Session) -> None:
    make_province(session)
    result = runner.invoke(
        app, ["--database-url", database_url, "indicators", "k12_gigabit", "--period", "2026Q3",
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 13
    assert {r["period"] for r in rows} == {"2026Q3"}


def test_indicators_unknown_id_is_one_line_error(database_url: str) -> None:
    result = runner.invoke(app, ["--database-url", database_url, "indicators", "nope"])
    assert result.exit_code == 1
    assert "unknown indicator" in result.output
