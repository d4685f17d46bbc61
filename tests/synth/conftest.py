"""One tiny synthetic province per test session (scale 0.001, about 18,000 pupils).

Generated through the ``eduhub synth`` sub-command into a session temp folder; ``advanced`` is
a copy moved one period on, kept beside the untouched original so tests can diff the snapshots.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from hub.cli.synth import app

SCALE = "0.001"
SEED = "7"


def run_cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "province"
    run_cli("--scale", SCALE, "--seed", SEED, "--out", str(out))
    return out


@pytest.fixture(scope="session")
def advanced(province: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth-next") / "province"
    shutil.copytree(province, out)
    run_cli("--next-period", str(out))
    return out


@pytest.fixture(scope="session")
def manifest(province: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((province / "manifest.json").read_text(encoding="utf-8"))
    return data


def sheet_rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    """All rows of a sheet as openpyxl reads them (1-based row k is element k - 1)."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in workbook[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()


@pytest.fixture(scope="session")
def read_sheet() -> Any:
    cache: dict[tuple[Path, str], list[tuple[Any, ...]]] = {}

    def read(path: Path, sheet: str) -> list[tuple[Any, ...]]:
        if (path, sheet) not in cache:
            cache[(path, sheet)] = sheet_rows(path, sheet)
        return cache[(path, sheet)]

    return read
