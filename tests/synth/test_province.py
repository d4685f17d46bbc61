"""The province is plausible: schools in their counties, class sizes in the configured bands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import shapely
from python_calamine import CalamineWorkbook

from hub.synth.places import boundary
from hub.synth.population import build_province
from hub.synth.province import (
    CITY_DENSITY,
    CLASS_SIZE_BANDS,
    TYPES_BY_CODE,
    plan_province,
    region_of,
)
from hub.synth.schools import BANDED_TYPES
from hub.synth.statistics import BAND_COLUMNS, STAT_COLUMNS
from schemas.crs import gcj02_to_wgs84

from .test_dirt import _csv_lines


def test_place_every_school_inside_its_county_polygon(
    province: Path, manifest: dict[str, Any]
) -> None:
    faulty = {d["key"] for d in manifest["dirty"] if d["source"] == "institution_codes"}
    lines = _csv_lines(next(province.glob("files/institution_codes/*.csv")))[1:]
    checked = 0
    for fields in lines:
        if len(fields) < 12 or fields[0] in faulty:
            continue
        lon, lat = float(fields[7]), float(fields[8])
        assert shapely.contains_xy(boundary(fields[5]), lon, lat), fields
        checked += 1
    assert checked >= 15


def test_place_schools_inside_county_after_conversion_to_wgs84() -> None:
    province = build_province(3, 0.01)
    for school in province.schools[::7]:
        wgs = gcj02_to_wgs84(school.lon, school.lat)
        # The WGS-84 boundary is the GCJ-02 one moved back by the same offset.
        geom = boundary(school.county)
        cx, cy = geom.centroid.x, geom.centroid.y
        wx, wy = gcj02_to_wgs84(cx, cy)
        moved = shapely.affinity.translate(geom, wx - cx, wy - cy)
        assert shapely.contains_xy(moved, *wgs), school.code


def test_plan_follows_the_real_shape_at_full_scale() -> None:
    plan = plan_province(1, 1.0)
    schools = sum(sum(c.schools.values()) for c in plan.counties)
    assert 14_000 <= schools <= 16_000
    assert len(plan.counties) >= 90
    assert all(TYPES_BY_CODE[t] for c in plan.counties for t in c.schools)
    south = [c for c in plan.counties if region_of(c.city) == "south"]
    north = [c for c in plan.counties if region_of(c.city) == "north"]
    # Schools per km² (weight / density = area): denser in the south.
    per_area = [
        sum(sum(c.schools.values()) for c in part)
        / sum(c.weight / CITY_DENSITY[c.city] for c in part)
        for part in (south, north)
    ]
    assert per_area[0] > 1.5 * per_area[1]


def test_scale_pupils_with_the_scale() -> None:
    pupils = sum(len(p) for p in build_province(1, 0.01).pupils.values())
    assert 90_000 <= pupils <= 150_000


def test_keep_class_size_shares_within_configured_bands(province: Path) -> None:
    big_col = STAT_COLUMNS.index(BAND_COLUMNS[7])
    huge_col = STAT_COLUMNS.index(BAND_COLUMNS[9])
    first_band = STAT_COLUMNS.index(BAND_COLUMNS[0])
    banded_sheets = {TYPES_BY_CODE[t].sheet for t in BANDED_TYPES}
    checked = 0
    for path in sorted(province.glob("files/statistics/*.xlsx")):
        county = path.stem.split("_")[1]
        region = region_of(county[:4] + "00")
        workbook = CalamineWorkbook.from_path(str(path))
        counts = np.zeros(10)
        for name in workbook.sheet_names:
            if name not in banded_sheets:
                continue
            for row in workbook.get_sheet_by_name(name).to_python()[2:]:
                counts += np.array([float(str(v)) for v in row[first_band : first_band + 10]])
        total = counts.sum()
        if total == 0:
            continue
        slack = 0.5 / total + 1e-9
        big = (counts[big_col - first_band] + counts[big_col + 1 - first_band]) / total
        huge = counts[huge_col - first_band] / total
        low, high = CLASS_SIZE_BANDS[region]["b56_65"]
        assert low - slack <= big <= high + slack, (county, big)
        low, high = CLASS_SIZE_BANDS[region]["ge66"]
        assert low - slack <= huge <= high + slack, (county, huge)
        checked += 1
    assert checked >= 3


def test_give_northern_counties_more_oversized_classes() -> None:
    plan = plan_province(5, 0.1)
    north = np.mean([c.big_share for c in plan.counties if c.region == "north"])
    south = np.mean([c.big_share for c in plan.counties if c.region == "south"])
    assert north > 2 * south
