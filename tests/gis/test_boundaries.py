"""Boundaries: one valid WGS-84 polygon per region, sub-metre conversion, simplified variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from hub.gis import boundaries
from hub.gis.crs import PROVINCE_CRS
from schemas.crs import gcj02_to_wgs84
from schemas.regions_data import province_regions

COUNTIES = sorted(r.adcode for r in province_regions() if r.level == "county")


def test_load_boundaries_gives_one_polygon_per_county(gis_dir: Path) -> None:
    frame = boundaries.load_boundaries(gis_dir, level="county")
    assert sorted(frame["adcode"]) == COUNTIES
    assert frame["adcode"].is_unique
    assert frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert frame.geometry.is_valid.all()


def test_load_boundaries_names_are_chinese(gis_dir: Path) -> None:
    frame = boundaries.load_boundaries(gis_dir, level="city")
    assert "南京市" in set(frame["name"])
    assert len(frame) == 13


def test_load_boundaries_are_wgs84(gis_dir: Path) -> None:
    assert boundaries.load_boundaries(gis_dir, level="province").crs.to_epsg() == 4326


def test_convert_geometry_residual_below_one_metre() -> None:
    for row in province_regions()[:20]:
        gcj = boundaries.read_gcj02(row)
        wgs = boundaries.convert_geometry(gcj)
        assert boundaries.conversion_residual_m(gcj, wgs) < 1.0


def test_convert_geometry_shifts_by_the_gcj_offset() -> None:
    row = next(r for r in province_regions() if r.adcode == "320102")
    gcj = boundaries.read_gcj02(row)
    wgs = boundaries.convert_geometry(gcj)
    src = shapely.get_coordinates(gcj)[:50]
    dst = shapely.get_coordinates(wgs)[:50]
    lon, lat = gcj02_to_wgs84(src[:, 0], src[:, 1])  # independent: the point function
    np.testing.assert_allclose(dst, np.column_stack([lon, lat]), atol=1e-9)
    shift = np.hypot((src[:, 0] - dst[:, 0]) * 94_000, (src[:, 1] - dst[:, 1]) * 110_600)
    assert (shift > 300).all()  # AMap's offset is hundreds of metres in Nanjing


def test_counties_cover_their_city_without_overlap(gis_dir: Path) -> None:
    frame = boundaries.load_boundaries(gis_dir).to_crs(PROVINCE_CRS)
    for city in frame[frame["level"] == "city"].itertuples():
        parts = frame[frame["parent"] == city.adcode].geometry
        union = shapely.union_all(parts.values)
        assert abs(union.area - city.geometry.area) / city.geometry.area < 0.01
        assert abs(parts.area.sum() - union.area) / union.area < 0.001


@pytest.mark.parametrize("zoom", boundaries.ZOOMS)
def test_simplified_variant_keeps_every_county(gis_dir: Path, zoom: int) -> None:
    full = boundaries.load_boundaries(gis_dir, level="county")
    simple = boundaries.load_boundaries(gis_dir, level="county", zoom=zoom)
    assert list(simple["adcode"]) == list(full["adcode"])
    assert simple.geometry.is_valid.all()
    assert not simple.geometry.is_empty.any()
    assert shapely.get_num_coordinates(simple.geometry.values).sum() < (
        shapely.get_num_coordinates(full.geometry.values).sum()
    )


def test_load_boundaries_builds_missing_cache(tmp_path: Path) -> None:
    frame = boundaries.load_boundaries(tmp_path, level="province", zoom=6)
    assert len(frame) == 1
    assert boundaries.cache_path(tmp_path, "32", 6).exists()


def test_load_boundaries_rejects_unknown_level(gis_dir: Path) -> None:
    with pytest.raises(ValueError, match="unknown level"):
        boundaries.load_boundaries(gis_dir, level="town")
