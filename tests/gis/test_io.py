"""Layer export: every format reads back with the same rows, CRS and Chinese names."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import Invalid
from hub.gis import io
from hub.gis.boundaries import load_boundaries


@pytest.mark.parametrize("fmt", sorted(io.FORMATS))
def test_write_layer_reads_back_same_rows_and_crs(gis_dir: Path, tmp_path: Path, fmt: str) -> None:
    frame = load_boundaries(gis_dir, level="city", zoom=8)
    out = io.write_layer(frame, tmp_path / f"cities{io.FORMATS[fmt][1]}", fmt, layer="cities")
    back = io.read_layer(out)
    assert len(back) == len(frame)
    assert back.crs.to_epsg() == 4326
    assert sorted(back["name"]) == sorted(frame["name"])
    assert sorted(back["adcode"]) == sorted(frame["adcode"])


def test_write_layer_rejects_unknown_format(gis_dir: Path, tmp_path: Path) -> None:
    frame = load_boundaries(gis_dir, level="province", zoom=6)
    with pytest.raises(Invalid, match="unknown format"):
        io.write_layer(frame, tmp_path / "x.kml", "kml", layer="x")


def test_feature_collection_carries_ids_and_names(gis_dir: Path) -> None:
    frame = load_boundaries(gis_dir, level="city", zoom=6)
    fc = io.feature_collection(frame, id_column="adcode")
    assert len(fc["features"]) == 13
    assert {f["id"] for f in fc["features"]} == set(frame["adcode"])
    assert fc["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
