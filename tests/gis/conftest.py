"""Boundaries are converted once per test run into a shared cache folder (about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.gis.boundaries import build_cache

_BUILT: dict[str, Path] = {}


def boundary_cache(factory: pytest.TempPathFactory) -> Path:
    """The run's boundary cache folder, built on first use (tests elsewhere call this too)."""
    if "dir" not in _BUILT:
        root = factory.mktemp("gis")
        build_cache(root)
        _BUILT["dir"] = root
    return _BUILT["dir"]


@pytest.fixture(scope="session")
def gis_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return boundary_cache(tmp_path_factory)
