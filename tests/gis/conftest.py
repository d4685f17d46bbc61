"""Boundaries are converted once per test run into a shared cache folder (about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.gis.boundaries import build_cache


@pytest.fixture(scope="session")
def gis_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gis")
    build_cache(root)
    return root
