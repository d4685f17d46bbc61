"""Near-school enrolment report: who lives nearest to which school, demand vs capacity, far pupils.

Reads live K-12 schools with coordinates, their class counts (教育事业统计, latest year) and live
enrolled pupils with a home location; the geometry work is ``hub.gis.catchments``.
Capacity of a school for a stage = its classes of that stage's grades × the design cap per class
(45 primary, 50 junior and senior; GB 50099-2011), so a school with no statistics has no capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import Session

from hub.gis import catchments
from hub.gis.boundaries import load_boundaries
from hub.gis.crs import STORAGE_CRS
from hub.gis.indicator_queries import K12_TYPES, SCHOOLS, STATS, STUDENTS, of_types
from hub.lazy import lazy

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
else:
    gpd = lazy("geopandas")
    pd = lazy("pandas")


@dataclass
class EnrolmentReport:
    schools: pd.DataFrame  # per (school, stage): name, county, capacity, demand, far, over_capacity
    pupils: pd.DataFrame  # per pupil: student_id, stage, county, school_code, distance_m
    catchments: gpd.GeoDataFrame  # per (school, stage): Voronoi cell clipped to the county
    max_distance_m: float
    year: int | None


def school_points(session: Session, year: int | None = None) -> tuple[gpd.GeoDataFrame, int | None]:
    """One row per (school, stage) with capacity, for live K-12 schools that have coordinates."""
    rows = session.execute(
        select(
            SCHOOLS.c.code,
            SCHOOLS.c.name,
            SCHOOLS.c.school_type,
            SCHOOLS.c.county_adcode,
            SCHOOLS.c.lon,
            SCHOOLS.c.lat,
        ).where(
            SCHOOLS.c.is_deleted.is_(False),
            SCHOOLS.c.lon.is_not(None),
            SCHOOLS.c.lat.is_not(None),
            SCHOOLS.c.closed_on.is_(None),
            of_types(K12_TYPES),
        )
    ).all()
    if year is None:
        year = session.execute(select(func.max(STATS.c.year))).scalar()
    classes: dict[tuple[str, str], int] = {}
    if year is not None:
        for code, grade, n in session.execute(
            select(STATS.c.school_code, STATS.c.grade, STATS.c.classes).where(
                STATS.c.year == year, STATS.c.is_deleted.is_(False)
            )
        ).all():
            stage = catchments.stage_of_grade(grade)
            if stage is not None:
                classes[(code, stage)] = classes.get((code, stage), 0) + int(n)
    records = []
    for code, name, stype, county, lon, lat in rows:
        for stage in catchments.stages_of_school(stype):
            n = classes.get((code, stage))
            capacity = n * catchments.DESIGN_CAP[stage] if n is not None else None
            records.append((code, name, county, stage, capacity, lon, lat))
    frame = pd.DataFrame(
        records, columns=["code", "name", "county", "stage", "capacity", "lon", "lat"]
    )
    geo = gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
        crs=STORAGE_CRS,
    )
    return geo, year


def home_points(session: Session) -> gpd.GeoDataFrame:
    """Live enrolled pupils with a home location and a K-12 grade."""
    rows = session.execute(
        select(STUDENTS.c.id, STUDENTS.c.grade, STUDENTS.c.home_lon, STUDENTS.c.home_lat).where(
            STUDENTS.c.is_deleted.is_(False),
            STUDENTS.c.status == "1",
            STUDENTS.c.home_lon.is_not(None),
            STUDENTS.c.home_lat.is_not(None),
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["student_id", "grade", "lon", "lat"])
    frame["stage"] = [catchments.stage_of_grade(g) for g in frame["grade"]]
    frame = frame[frame["stage"].notna()]
    return gpd.GeoDataFrame(
        frame[["student_id", "stage"]],
        geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
        crs=STORAGE_CRS,
    )


def near_school_report(
    *,
    session: Session,
    data_dir: Path,
    province: str,
    max_distance_m: float,
    year: int | None = None,
) -> EnrolmentReport:
    """Assign every home, build catchments, and total demand against capacity per school."""
    counties = load_boundaries(data_dir, province=province, level="county")
    schools, year = school_points(session, year)
    homes = home_points(session)
    homes["county"] = catchments.locate_in_counties(homes, counties)
    homes = homes[homes["county"].notna()]
    assigned = catchments.assign_nearest(homes, schools)
    pupils = pd.DataFrame(
        {
            "student_id": homes["student_id"],
            "stage": homes["stage"],
            "county": homes["county"],
            "school_code": assigned["school_code"],
            "distance_m": assigned["distance_m"],
        }
    ).reset_index(drop=True)
    table = catchments.demand_vs_capacity(
        pupils.dropna(subset=["school_code"]), pd.DataFrame(schools), max_distance_m
    )
    cells = catchments.voronoi_catchments(schools, counties)
    return EnrolmentReport(table, pupils, cells, max_distance_m, year)
