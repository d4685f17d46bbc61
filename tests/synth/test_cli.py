"""``eduhub synth`` is registered on the main command and fails in one line when misused."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hub.cli.main import app


def test_show_synth_and_serve_in_help() -> None:
    result = CliRunner().invoke(app, ["synth", "--help"])
    assert result.exit_code == 0
    assert "--next-period" in result.output
    assert "serve" in result.output


def test_fail_in_one_line_without_an_output_folder() -> None:
    result = CliRunner().invoke(app, ["synth", "--scale", "0.001"])
    assert result.exit_code == 1
    assert "--out" in result.output


def test_fail_in_one_line_when_advancing_a_folder_without_manifest(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--next-period", str(tmp_path)])
    assert result.exit_code == 1
    assert "manifest.json" in result.output
