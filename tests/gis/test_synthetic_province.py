"""On the synthetic province: every indicator the hub serves against an independent computation
on the raw synthetic files (``tests/gis/raw_province.py``: workbooks, CSV, the simulators' data
and the exchange database read directly, faults left out as the manifest lists them).

The province (``eduhub synth --scale 0.001``: four counties in three cities) is generated once
per session and pulled twice per backend: ``base`` is one ``eduhub pull --all`` of the base month
(202609, quarter 2026Q3); ``next`` is that database pulled again after ``eduhub synth
--next-period`` (202610, quarter 2026Q4: pupils and staff leave, move and arrive, faults are
corrected and new ones planted, exchange rows change or are retracted, health tests are added).
The HTTP sources are served by ``eduhub synth serve`` on free ports. Values are compared per
county, city and province: numerator, denominator, value, and the previous period's value.

What the synthetic data cannot show, and what is checked instead:

- year-on-year change of the class-size shares and the pupil-teacher ratio: the province has one
  statistics year (2026), so the raw data has no 2025 workbook; the test checks the hub reports
  no previous value (and would compare it if a 2025 workbook appeared);
- quarter-on-quarter change of the ICT indicators: the generator gives a school the same survey
  answers every quarter, so the change is 0; the previous value is still compared (the 2026Q3
  survey) in ``next``;
- aid coverage's previous year is real (payments of 2025-2026 exist) and compared;
- health pass rate and graduate shares have one period (the simulator serves the current school
  year, graduates are of 2026): no previous value on either side;
- graduate shares by degree level: at this scale both universities are 专科 colleges, so 本科,
  硕士 and 博士 have no graduates; all four levels are compared (three are empty on both sides);
- learning spaces of a past quarter are divided by the people on the registries now (the hub
  keeps no registry history; ``docs/indicators.md``); the raw computation does the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.api.app import create_app
from hub.gis.boundaries import load_boundaries
from hub.services import indicators
from hub.services.aid_gap import aid_gap
from hub.storage.engine import make_engine
from schemas import School
from tests.conftest import (
    BACKENDS,
    TEST_KEY,
    Templates,
    _fresh_database,
    make_settings,
    pg_admin,
    pg_url,
)
from tests.connectors.conftest import Simulator, write_sources
from tests.gis.conftest import boundary_cache
from tests.gis.raw_province import (
    EMPLOYED,
    FURTHER_STUDY,
    NOT_PLACED,
    Counts,
    RawProvince,
    number,
    roll_up,
)

pytestmark = pytest.mark.slow
SCENARIOS = ("base", "next")
LEVELS = ("county", "city", "province")


def _eduhub(*args: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env or dict(os.environ),
                          capture_output=True, text=True, check=False, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr


@dataclass
class Folders:
    base: Path  # the province as generated (202609); never changes
    now: Path  # the same after --next-period (202610)
    base_sources: Path  # sources.yaml of each, pointed at its own simulator
    now_sources: Path


@pytest.fixture(scope="session")
def folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Folders]:
    root = tmp_path_factory.mktemp("synth")
    base, now = root / "base", root / "now"
    _eduhub("synth", "--scale", "0.001", "--seed", "3", "--workers", "1", "--out", str(base))
    shutil.copytree(base, now)
    _eduhub("synth", "--next-period", str(now))
    sims = [Simulator(base), Simulator(now)]
    try:
        yield Folders(base, now, write_sources(base, sims[0].port, "sources.test.yaml"),
                      write_sources(now, sims[1].port, "sources.test.yaml"))  # fmt: skip
    finally:
        for sim in sims:
            sim.stop()


@pytest.fixture(scope="session")
def raws(folders: Folders) -> dict[str, RawProvince]:
    return {
        "base": RawProvince([folders.base]),
        "next": RawProvince([folders.base, folders.now]),
    }


def _copy_database(url: str, tmp: Path) -> str:
    """A second database with the content of ``url`` (file copy; PostgreSQL TEMPLATE)."""
    if url.startswith("sqlite:///"):
        copy = tmp / "next.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    name = f"{url.rsplit('/', 1)[1]}_next"
    pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{url.rsplit("/", 1)[1]}"')
    return pg_url(name)


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest,
    folders: Folders,
    templates: Templates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """Per backend: ``base`` pulled once, ``next`` a copy of it pulled after --next-period."""
    tmp = tmp_path_factory.mktemp(f"province_{request.param}")
    made = _fresh_database(request.param, tmp, templates)
    base = next(made)
    env = {**os.environ, "EDUHUB_ID_HASH_KEY": TEST_KEY, "EDUHUB_DATA_DIR": str(tmp / "data")}
    _eduhub("pull", "--all", "--quiet", "--config", str(folders.base_sources),
            env={**env, "EDUHUB_DATABASE_URL": base})  # fmt: skip
    again = _copy_database(base, tmp)
    try:
        _eduhub("pull", "--all", "--quiet", "--config", str(folders.now_sources),
                env={**env, "EDUHUB_DATABASE_URL": again})  # fmt: skip
        yield {"base": base, "next": again}
    finally:
        if not again.startswith("sqlite"):
            pg_admin(f'DROP DATABASE IF EXISTS "{again.rsplit("/", 1)[1]}" WITH (FORCE)')
        for _ in made:  # drops the base database
            pass


@pytest.fixture(scope="session")
def engines(databases: dict[str, str]) -> Iterator[dict[str, Engine]]:
    made = {k: make_engine(url) for k, url in databases.items()}
    yield made
    for engine in made.values():
        engine.dispose()


# --- what each indicator is computed from, and its periods --------------------------------


def _previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[5])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def _previous_school_year(school_year: str) -> str:
    start = int(school_year[:4]) - 1
    return f"{start}-{start + 1}"


@dataclass(frozen=True)
class Case:
    """How to compute one indicator from the raw files, for the served period and the one
    before it."""

    compute: Callable[[RawProvince, str], Counts]
    period: Callable[[RawProvince], str]  # the native period the sources serve now
    previous: Callable[[str], str]


def _quarter(raw: RawProvince) -> str:
    return str(raw.now.simulator["quarter"])


def _year(raw: RawProvince) -> str:
    return str(raw.now.simulator["year"])


def _school_year(raw: RawProvince) -> str:
    return str(raw.now.simulator["school_year"])


def _graduation_year(raw: RawProvince) -> str:
    return str(int(max(number(r["毕业年份"]) for r in raw.graduate_rows)))


def _last_year(period: str) -> str:
    return str(int(period) - 1)


def _ict(name: str) -> Case:
    return Case(lambda raw, p: getattr(raw, name)(p), _quarter, _previous_quarter)


def _stats(name: str) -> Case:
    return Case(lambda raw, p: getattr(raw, name)(int(p)), _year, _last_year)


def _graduates(hit: Callable[[str], bool]) -> Case:
    return Case(lambda raw, p: raw.graduates(int(p), hit), _graduation_year, _last_year)


CASES: dict[str, Case] = {
    **{i: _ict(i) for i in ("k12_gigabit", "k12_wireless", "university_wireless",
                            "multimedia_classrooms", "teacher_spaces", "student_spaces")},
    **{i: _stats(i) for i in ("classes_56_65", "classes_66_plus", "classes_56_plus",
                              "pupil_teacher_ratio")},
    "aid_coverage": Case(lambda raw, p: raw.aid_coverage(p), _school_year, _previous_school_year),
    "health_pass_rate": Case(lambda raw, p: raw.health_pass_rate(p), _school_year,
                             _previous_school_year),
    "graduate_placement": _graduates(lambda d: d not in NOT_PLACED),
    "graduate_employed": _graduates(lambda d: d in EMPLOYED),
    "graduate_further_study": _graduates(lambda d: d in FURTHER_STUDY),
}  # fmt: skip


def _level_of(adcode: str) -> str:
    if adcode == "320000":
        return "province"
    return "city" if adcode.endswith("00") else "county"


def _expected(counts: Counts, level: str) -> dict[str, tuple[float, float]]:
    return {c: v for c, v in roll_up(counts).items() if _level_of(c) == level and v[1]}


def _share(counts: dict[str, tuple[float, float]], adcode: str) -> float | None:
    num, den = counts.get(adcode, (0.0, 0.0))
    return num / den if den else None


def test_every_indicator_has_a_raw_computation() -> None:
    assert set(CASES) == {i.id for i in indicators.list_indicators()}


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("indicator_id", sorted(CASES))
def test_indicator_matches_raw_computation(
    engines: dict[str, Engine], raws: dict[str, RawProvince], scenario: str, indicator_id: str
) -> None:
    raw, case = raws[scenario], CASES[indicator_id]
    period = case.period(raw)
    now = case.compute(raw, period)
    before = case.compute(raw, case.previous(period))
    with Session(engines[scenario]) as session:
        for level in LEVELS:
            values = indicators.compute(session=session, indicator_id=indicator_id, level=level,
                                        period=period)  # fmt: skip
            want, was = _expected(now, level), _expected(before, level)
            got = {v.adcode: (v.numerator, v.denominator) for v in values if v.denominator}
            assert got == want, level
            for v in values:
                assert v.period == period
                assert v.value == pytest.approx(_share(want, v.adcode)), (level, v.adcode)
                assert v.previous == pytest.approx(_share(was, v.adcode)), (level, v.adcode)
    assert any(v[1] for v in now.values()), "the raw data has values for the period"


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("degree", ["1", "2", "3", "4"])
def test_graduate_shares_by_degree_level_match_raw_files(
    engines: dict[str, Engine], raws: dict[str, RawProvince], scenario: str, degree: str
) -> None:
    raw = raws[scenario]
    year = int(_graduation_year(raw))
    hits = {"graduate_placement": lambda d: d not in NOT_PLACED,
            "graduate_employed": lambda d: d in EMPLOYED,
            "graduate_further_study": lambda d: d in FURTHER_STUDY}  # fmt: skip
    with Session(engines[scenario]) as session:
        for indicator_id, hit in hits.items():
            want = _expected(raw.graduates(year, hit, degree=degree), "city")
            values = indicators.compute(session=session, indicator_id=indicator_id,
                                        level="city", period=str(year), degree=degree)  # fmt: skip
            assert {v.adcode: (v.numerator, v.denominator) for v in values if v.denominator} == (
                want
            )


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_api_serves_the_raw_values(
    databases: dict[str, str], raws: dict[str, RawProvince], scenario: str, tmp_path: Path
) -> None:
    raw = raws[scenario]
    settings = make_settings(databases[scenario], tmp_path)
    with TestClient(create_app(settings)) as client:
        for indicator_id, case in CASES.items():
            period = case.period(raw)
            reply = client.get(f"/api/v1/indicators/{indicator_id}",
                               params={"level": "city", "period": period})  # fmt: skip
            assert reply.status_code == 200, reply.text
            got = {d["adcode"]: (d["numerator"], d["denominator"])
                   for d in reply.json()["data"] if d["denominator"]}  # fmt: skip
            assert got == _expected(case.compute(raw, period), "city"), indicator_id


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_aid_gap_equals_children_the_generator_left_without_aid(
    engines: dict[str, Engine], raws: dict[str, RawProvince], scenario: str
) -> None:
    raw = raws[scenario]
    school_year = _school_year(raw)
    with Session(engines[scenario]) as session:
        for year in (school_year, _previous_school_year(school_year)):
            want = raw.aid_gap(year)
            gap = aid_gap(session=session, school_year=year, viewer="320000", province="32")
            assert {g.xjh for g in gap} == want, year
            assert want  # some children are left without aid every year


def test_every_school_falls_inside_its_county(
    engines: dict[str, Engine], tmp_path_factory: pytest.TempPathFactory
) -> None:
    counties = load_boundaries(boundary_cache(tmp_path_factory), level="county")
    shapes = dict(zip(counties["adcode"], counties.geometry, strict=True))
    with Session(engines["base"]) as session:
        schools = session.exec(select(School).where(School.lon != None)).all()  # noqa: E711
    assert len(schools) > 10
    outside = [
        s.code
        for s in schools
        if not shapes[s.county_adcode].buffer(1e-6).contains(shapely.Point(s.lon, s.lat))
    ]
    assert outside == []


def test_schools_layer_points_are_wgs84_in_jiangsu(engines: dict[str, Engine]) -> None:
    from hub.services.layers import schools_layer

    with Session(engines["base"]) as session:
        frame: gpd.GeoDataFrame = schools_layer(session)
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.x.between(116.3, 122.05).all()
    assert frame.geometry.y.between(30.7, 35.2).all()
