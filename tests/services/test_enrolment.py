"""Near-school enrolment against brute force: nearest school, catchments tiling, demand, far."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from sqlmodel import Session

from hub.gis.boundaries import load_boundaries
from hub.gis.catchments import locate_in_counties
from hub.services.enrolment import EnrolmentReport, near_school_report
from tests.gis.conftest import boundary_cache
from tests.gis.factories import Province, make_province

STAGE = {"03": "primary", "08": "junior", "11": "senior"}
SERVES = {"211": "primary", "311": "junior", "342": "senior"}


@pytest.fixture(scope="session")
def gis_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return boundary_cache(tmp_path_factory)


@pytest.fixture
def counties(gis_dir: Path) -> gpd.GeoDataFrame:
    return load_boundaries(gis_dir, level="county")


@pytest.fixture
def province(session: Session, counties: gpd.GeoDataFrame) -> Province:
    return make_province(session, boundaries=counties, pupils_per_school=15)


@pytest.fixture
def report(session: Session, gis_dir: Path, province: Province) -> EnrolmentReport:
    return near_school_report(session=session, data_dir=gis_dir, province="32", max_distance_m=2500)


def _brute_force(p: Province) -> dict[str, tuple[str, float]]:
    """Nearest school of the stage in the home's county, by computing every distance."""
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:4528", always_xy=True)
    out = {}
    for st in p.students:
        if st["is_deleted"] or st["status"] != "1" or st["grade"] not in STAGE:
            continue
        county = p.county_of(st["school_code"])  # the factory puts homes in the school's county
        hx, hy = to_m.transform(st["home_lon"], st["home_lat"])
        best = min(
            (float(np.hypot(hx - sx, hy - sy)), s["code"])
            for s in p.schools
            if s["county_adcode"] == county and SERVES.get(s["school_type"]) == STAGE[st["grade"]]
            for sx, sy in [to_m.transform(s["lon"], s["lat"])]
        )
        out[st["xjh"]] = (best[1], best[0])
    return out


def test_near_school_report_assigns_nearest_school(
    session: Session, province: Province, report: EnrolmentReport
) -> None:
    expected = _brute_force(province)
    ids = {s["xjh"]: i + 1 for i, s in enumerate(province.students)}  # ids follow insert order
    got = report.pupils.set_index("student_id")
    assert len(got) == len(expected)
    for xjh, (code, dist) in expected.items():
        row = got.loc[ids[xjh]]
        assert row["school_code"] == code
        assert row["distance_m"] == pytest.approx(dist, rel=1e-6)


def test_near_school_report_counts_demand_and_far_pupils(
    province: Province, report: EnrolmentReport
) -> None:
    expected = _brute_force(province)
    table = report.schools.set_index("school_code")
    for code in table.index:
        mine = [d for c, d in expected.values() if c == code]
        assert table.loc[code, "demand"] == len(mine)
        assert table.loc[code, "far"] == sum(d > 2500 for d in mine)


def test_near_school_report_flags_over_capacity(
    province: Province, report: EnrolmentReport
) -> None:
    latest = {s["school_code"]: s["classes"] for s in province.stats if s["year"] == 2026}
    for row in report.schools.itertuples():
        cap = latest[row.school_code] * (45 if row.stage == "primary" else 50)
        assert row.capacity == cap
        assert row.over_capacity == (row.demand > cap)


def test_catchments_cover_each_county_without_overlap(
    report: EnrolmentReport, counties: gpd.GeoDataFrame
) -> None:
    shapes = dict(zip(counties["adcode"], counties.to_crs("EPSG:4528").geometry, strict=True))
    cells = report.catchments.to_crs("EPSG:4528")
    assert len(cells) > 0
    for (county, _stage), group in cells.groupby(["county", "stage"]):
        union = shapely.union_all(group.geometry.values)
        county_area = shapes[county].area
        assert abs(union.area - county_area) / county_area < 1e-6
        assert abs(group.area.sum() - union.area) / union.area < 1e-6


def test_catchment_contains_its_school(province: Province, report: EnrolmentReport) -> None:
    where = {s["code"]: shapely.Point(s["lon"], s["lat"]) for s in province.schools}
    for row in report.catchments.itertuples():
        assert row.geometry.buffer(1e-9).contains(where[row.code])


def test_locate_in_counties_puts_every_school_in_its_county(
    province: Province, counties: gpd.GeoDataFrame
) -> None:
    points = gpd.GeoDataFrame(
        {"code": [s["code"] for s in province.schools]},
        geometry=[shapely.Point(s["lon"], s["lat"]) for s in province.schools],
        crs="EPSG:4326",
    )
    found = locate_in_counties(points, counties)
    assert list(found) == [s["county_adcode"] for s in province.schools]
