"""Boundaries are converted once per test run into a shared cache folder (about a second);
the tile layers a map loads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hub.gis.boundaries import build_cache

_BUILT: dict[str, Path] = {}
TILE_LAYER = re.compile(r'L\.tileLayer\(\s*("(?:[^"\\]|\\.)*")')


def tile_urls(html: str) -> list[str]:
    """The URL templates of a Folium map's tile layers, as the browser reads the JS strings."""
    return [json.loads(literal) for literal in TILE_LAYER.findall(html)]


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
