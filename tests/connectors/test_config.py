"""sources.yaml: ${ENV} substitution, relative paths, and errors that name the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.config import ConfigProblem, load_sources


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text("version: 1\nprovince: '32'\nsources:\n" + body, encoding="utf-8")
    return path


def test_load_sources_substitutes_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEALTH_SECRET", "s3cret")
    path = write(
        tmp_path,
        "  physical_health: {transport: http, base_url: 'http://x', client_secret: "
        "'${HEALTH_SECRET}'}\n",
    )
    assert load_sources(path).sources["physical_health"].get("client_secret") == "s3cret"


def test_load_sources_names_an_unset_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "  x: {transport: http, base_url: '${EDUHUB_SURELY_UNSET_VAR}'}\n")
    with pytest.raises(ConfigProblem, match="EDUHUB_SURELY_UNSET_VAR"):
        load_sources(path)


def test_relative_paths_and_sqlite_urls_resolve_against_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "  a: {transport: file_drop, path: files/a}\n"
        "  b: {transport: exchange_db, url: 'sqlite:///exchange.db'}\n",
    )
    sources = load_sources(path).sources
    assert sources["a"].path() == tmp_path.resolve() / "files" / "a"
    assert sources["b"].database_url() == f"sqlite:///{tmp_path.resolve() / 'exchange.db'}"


def test_unknown_transport_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigProblem, match="transport"):
        load_sources(write(tmp_path, "  a: {transport: ftp}\n"))
