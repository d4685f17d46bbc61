"""On the synthetic province (``eduhub synth`` + ``eduhub pull``): the hub's GIS answers against
independent computations on the raw synthetic files (exchange database, manifest)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlmodel import Session, select

from hub.gis.boundaries import load_boundaries
from hub.services import indicators
from hub.services.aid_gap import aid_gap
from schemas import School, Student
from schemas.identifiers import id_hash, normalize_text
from tests.conftest import TEST_KEY
from tests.gis.conftest import boundary_cache

pytestmark = pytest.mark.slow
SOURCES = ("institution_codes", "student_registry", "statistics", "student_aid")


def _eduhub(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env, capture_output=True,
                          text=True, check=False, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "province"
    _eduhub("synth", "--scale", "0.001", "--seed", "3", "--workers", "1", "--out", str(out),
            env=dict(os.environ))  # fmt: skip
    return out


@pytest.fixture
def loaded(database_url: str, synthetic: Path, tmp_path: Path) -> Path:
    env = {**os.environ, "EDUHUB_DATABASE_URL": database_url, "EDUHUB_ID_HASH_KEY": TEST_KEY,
           "EDUHUB_DATA_DIR": str(tmp_path)}  # fmt: skip
    _eduhub("pull", *SOURCES, "--quiet", "--config", str(synthetic / "sources.yaml"), env=env)
    return synthetic


def _faults(folder: Path) -> set[str]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {d["key"] for d in manifest["dirty"]
            if d["source"] == "student_aid" and d["kind"] == "fault"}  # fmt: skip


def _raw_gap(folder: Path, session: Session, school_year: str) -> dict[str, bool]:
    """Per pupil (学籍号) of a registered poor household: aided in the year? From raw rows."""
    bad = _faults(folder)
    with sqlite3.connect(folder / "exchange.db") as raw:
        poor = [r for r in raw.execute("SELECT id, sfzjh FROM jdlk_pkh WHERE is_deleted = 0")
                if r[0] not in bad]  # fmt: skip
        paid = {xjh for pid, xjh in raw.execute(
            "SELECT id, xjh FROM xszz_ffmx WHERE is_deleted = 0 AND xn = ?", (school_year,))
            if pid not in bad}  # fmt: skip
    hashes = {id_hash(normalize_text(sfzjh).upper(), TEST_KEY.encode()) for _, sfzjh in poor}
    pupils = session.exec(select(Student).where(Student.is_deleted == False)).all()  # noqa: E712
    return {p.xjh: p.xjh in paid for p in pupils if p.id_hash in hashes}


def test_every_school_falls_inside_its_county(
    loaded: Path, session: Session, tmp_path_factory: pytest.TempPathFactory
) -> None:
    counties = load_boundaries(boundary_cache(tmp_path_factory), level="county")
    shapes = dict(zip(counties["adcode"], counties.geometry, strict=True))
    schools = session.exec(select(School).where(School.lon != None)).all()  # noqa: E711
    assert len(schools) > 10
    outside = [
        s.code
        for s in schools
        if not shapes[s.county_adcode].buffer(1e-6).contains(shapely.Point(s.lon, s.lat))
    ]
    assert outside == []


def test_aid_gap_equals_children_the_generator_left_without_aid(
    loaded: Path, session: Session
) -> None:
    for school_year in ("2025-2026", "2026-2027"):
        raw = _raw_gap(loaded, session, school_year)
        gap = aid_gap(session=session, school_year=school_year, viewer="320000", province="32")
        assert {g.xjh for g in gap} == {x for x, aided in raw.items() if not aided}
        assert raw  # the generator registers poor children


def test_aid_coverage_matches_raw_exchange_rows(loaded: Path, session: Session) -> None:
    raw = _raw_gap(loaded, session, "2025-2026")
    [v] = indicators.compute(session=session, indicator_id="aid_coverage", level="province",
                             period="2025-2026")  # fmt: skip
    assert (v.numerator, v.denominator) == (sum(raw.values()), len(raw))


def test_schools_layer_points_are_wgs84_in_jiangsu(loaded: Path, session: Session) -> None:
    from hub.services.layers import schools_layer

    frame: gpd.GeoDataFrame = schools_layer(session)
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.x.between(116.3, 122.05).all()
    assert frame.geometry.y.between(30.7, 35.2).all()


def _raw_class_bands(folder: Path, k12: set[str], year: int) -> dict[str, tuple[float, float]]:
    """Per city: (classes of 56+, classes) from the raw 教育事业统计 workbooks of ``year``."""
    from python_calamine import CalamineWorkbook

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    bad = {d["key"] for d in manifest["dirty"]
           if d["source"] == "statistics" and d["kind"] == "fault"}  # fmt: skip
    out: dict[str, list[float]] = {}
    for path in sorted((folder / "files" / "statistics").glob(f"*_{year}.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        for sheet in book.sheet_names:
            for row in book.get_sheet_by_name(sheet).to_python()[2:]:
                code, grade = str(row[0]).strip(), str(row[1]).strip()
                if not code or f"{code}/{grade}" in bad or code not in k12:
                    continue
                city = path.stem.split("_")[1][:4] + "00"
                acc = out.setdefault(city, [0.0, 0.0])
                acc[0] += sum(float(str(v).strip()) for v in row[11:14])
                acc[1] += float(str(row[2]).strip())
    return {c: (v[0], v[1]) for c, v in out.items()}


def test_classes_56_plus_matches_raw_statistics_workbooks(loaded: Path, session: Session) -> None:
    schools = session.exec(select(School)).all()
    k12 = {s.code for s in schools if s.school_type[:2] in ("21", "31", "34")}
    raw = _raw_class_bands(loaded, k12, 2026)
    assert raw
    values = indicators.compute(session=session, indicator_id="classes_56_plus", level="city",
                                period="2026")  # fmt: skip
    got = {v.adcode: (v.numerator, v.denominator) for v in values if v.denominator}
    assert got == raw
