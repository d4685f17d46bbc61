"""The eduhub command: reference data, checks, and one-line errors instead of tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from hub.cli.main import app

runner = CliRunner()


def eduhub(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if url is not None:
        env["EDUHUB_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_regions_city_json_lists_thirteen_cities(database_url: str) -> None:
    result = runner.invoke(
        app, ["--database-url", database_url, "regions", "--level", "city", "--json"]
    )
    assert result.exit_code == 0, result.output
    codes = [r["adcode"] for r in json.loads(result.output)]
    assert codes == [f"32{n:02d}00" for n in range(1, 14)]


def test_codes_table_json(database_url: str) -> None:
    result = runner.invoke(app, ["--database-url", database_url, "codes", "school_type", "--json"])
    assert result.exit_code == 0, result.output
    row = next(r for r in json.loads(result.output) if r["code"] == "211")
    assert (row["code"], row["name"]) == ("211", "小学")


def test_init_is_idempotent_from_the_command_line(database_url: str) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["--database-url", database_url, "init"])
        assert result.exit_code == 0, result.output
        assert "109 regions" in result.output


def test_db_current_reports_up_to_date(database_url: str) -> None:
    result = runner.invoke(app, ["--database-url", database_url, "db", "current"])
    assert result.exit_code == 0
    assert "up to date" in result.output


@pytest.mark.parametrize(
    ("value", "code", "needle"),
    [
        ("11010519491231002X", 0, "valid"),
        ("360426199101010072", 1, "id_number.check_digit"),
        ("G360426199101010071", 0, "valid"),
        ("9932001234", 1, "school_code.category"),
    ],
)
def test_check_id_exit_code_and_reason(value: str, code: int, needle: str) -> None:
    result = runner.invoke(app, ["check-id", value])
    assert result.exit_code == code
    assert needle in result.output


@pytest.mark.parametrize(
    ("args", "url", "needle"),
    [
        (["codes", "nonsense"], None, "unknown code table"),
        (["regions"], "not-a-url", "malformed database URL"),
        (["regions"], "mysql://root@127.0.0.1/x", "unsupported database"),
        (["init"], "postgresql://nobody@127.0.0.1:1/none", "unreachable"),
        (["regions"], "postgresql://nobody@127.0.0.1:1/none", "database error"),
    ],
)
def test_bad_input_gives_one_line_error(
    args: list[str], url: str | None, needle: str, database_url: str
) -> None:
    done = eduhub(*args, url=url or database_url)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert needle in lines[0]
