"""Federation while the province pulls: a city syncing over and over while real connector pulls
(``eduhub pull --all`` of the synthetic province's next months, in their own process) write
the province's tables ends with exactly the rows and values the province serves it, row by row,
including rows the pulls deleted and pupils who moved out of the city.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from connectors.config import load_sources
from hub.services.exchange import sync as sync_service
from hub.services.exchange.datasets import datasets
from hub.settings import Settings
from hub.storage.engine import make_engine
from hub.synth.periods import advance
from schemas.exchange import ScopeMove
from schemas.people import Student
from schemas.versioning import current_version
from tests.conftest import TEST_KEY, make_settings
from tests.connectors.conftest import (
    ROOT,
    Simulator,
    copy_province,
    make_province,
    pull_all,
    write_sources,
)
from tests.services.exchange.factories import grant_dataset
from tests.services.exchange.mirror import mirrored, served

pytestmark = pytest.mark.slow

# Two of the synthetic province's four counties (320115, 320116) are Nanjing's: its pupils
# move between them (still Nanjing's) and to Wuxi and Suzhou (out of its scope).
CITY = "320100"
ROUNDS = 2  # next months pulled while the city syncs


@pytest.fixture(scope="module")
def province_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sync_province") / "p"
    make_province(folder)
    return folder


@pytest.fixture
def folder(province_folder: Path, tmp_path: Path) -> Path:
    return copy_province(province_folder, tmp_path / "province")


@pytest.fixture
def city(city_url: str, tmp_path: Path) -> Iterator[tuple[Engine, Settings]]:
    engine = make_engine(city_url)
    yield engine, make_settings(city_url, tmp_path / "city-data")
    engine.dispose()


def _pull_in_process(engine: Engine, settings: Settings, folder: Path) -> None:
    sim = Simulator(folder)
    try:
        reports = pull_all(engine, settings, load_sources(write_sources(folder, sim.port)))
    finally:
        sim.stop()
    assert all(r.status == "ok" for r in reports.values())


def _grant_everything(engine: Engine, settings: Settings) -> tuple[str, str]:
    """A Nanjing client and grants (every personal field in clear) on every 有条件 dataset."""
    client_id, secret = "", ""
    for ds in datasets(settings):
        if ds.scope is not None:
            client_id, secret = grant_dataset(engine, settings, CITY, ds.id)
    return client_id, secret


def _pull_process(database_url: str, sources: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EDUHUB_ID_HASH_KEY": TEST_KEY}
    return subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "--database-url", database_url, "pull", "--all",
         "--config", str(sources), "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def test_city_syncing_during_pulls_ends_with_the_province_rows(
    engine: Engine,
    settings: Settings,
    database_url: str,
    folder: Path,
    province_url: str,
    city: tuple[Engine, Settings],
) -> None:
    city_engine, city_settings = city
    _pull_in_process(engine, settings, folder)
    client_id, secret = _grant_everything(engine, settings)

    def sync() -> sync_service.SyncReport:
        report = sync_service.sync(
            engine=city_engine, settings=city_settings, base_url=province_url,
            client_id=client_id, secret=secret, page_size=500,
        )  # fmt: skip
        assert not report.failed, report.failed
        return report

    synced = sync().applied
    versioned = sorted(synced)
    assert "30700102/001" in versioned
    assert len(versioned) >= 8

    during: list[int] = []  # changes applied by syncs that ran while a pull was writing
    for _ in range(ROUNDS):
        advance(folder, workers=1)
        sim = Simulator(folder)
        try:
            with engine.connect() as conn:
                base = current_version(conn)
            pull = _pull_process(database_url, write_sources(folder, sim.port))
            while pull.poll() is None:  # wait for the pull's first commit
                with engine.connect() as conn:
                    if current_version(conn) > base:
                        break
                time.sleep(0.02)
            while pull.poll() is None:
                during.append(sum(sync().applied.values()))
            _, err = pull.communicate(timeout=300)
            assert pull.returncode == 0, err.decode()[-800:]
        finally:
            sim.stop()
    assert len(during) >= 2, "the pulls ended before the city could sync during them"
    assert any(during), "no sync saw a pull's changes while it ran"

    sync()  # the pulls have ended: one more sync catches up
    for code in versioned:
        assert mirrored(city_engine, city_settings, code) == served(
            province_url, client_id, secret, code
        ), code

    # The pulls moved Nanjing pupils to other cities: the city holds them only as deletions.
    moves = ScopeMove.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        left = set(
            conn.execute(
                select(moves.c.row_pk)
                .where(moves.c.table_name == "students")
                .where(moves.c.old_region.in_(["320115", "320116"]))
            ).scalars()
        )
        now_in = set(
            conn.execute(
                text(
                    "SELECT CAST(p.id AS VARCHAR(20)) FROM students p JOIN schools s"
                    " ON s.code = p.school_code WHERE s.county_adcode IN ('320115', '320116')"
                )
            ).scalars()
        )
    moved_out = {int(pk) for pk in left - now_in}
    assert moved_out, "the synthetic months moved no Nanjing pupil out of the city"
    held = _held_flags(city_engine, moved_out)
    assert held, "the city never held the pupils who moved out"
    assert all(held.values()), held
    with city_engine.connect() as conn:
        deleted = conn.execute(text("SELECT count(*) FROM students WHERE is_deleted")).scalar_one()
    assert deleted > len(held), "no pupil was deleted by the pulls other than by moving"


def _held_flags(city: Engine, ids: set[int]) -> dict[int, bool]:
    """``is_deleted`` of the city's rows for these pupils (pupils it never held are absent)."""
    table = Student.__table__  # type: ignore[attr-defined]
    with city.connect() as conn:
        rows = conn.execute(
            select(table.c.id, table.c.is_deleted).where(table.c.id.in_(sorted(ids)))
        ).all()
    return {int(r[0]): bool(r[1]) for r in rows}
