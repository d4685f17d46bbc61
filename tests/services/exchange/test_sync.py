"""Federation over loopback: a province hub process, a city syncing through the change feed.

The city's first sync is killed mid-way and resumed; meanwhile a writer changes and deletes
rows at the province. After a final sync the city's tables hold exactly the rows and values the
province serves to that city, row by row, deletions included.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from connectors import loader, runs
from hub.services.exchange.uploads import stream_for
from hub.settings import Settings
from hub.storage.engine import make_engine
from schemas import scoping
from schemas.base import utcnow
from schemas.people import Student
from tests.services.exchange.factories import grant_dataset, seed_province
from tests.services.exchange.mirror import mirrored, served, sync_cmd

CITY = "320500"
SYNCED = ["schools", "students", "ict_surveys"]


def _grant_students(engine: Engine, settings: Settings, clear: bool = True) -> tuple[str, str]:
    return grant_dataset(engine, settings, CITY, "students", clear=clear)


def _sync_cmd(city_url: str, province_url: str, client_id: str, secret: str) -> list[str]:
    return sync_cmd(city_url, province_url, client_id, secret, SYNCED)


def _served(province_url: str, client_id: str, secret: str, code: str) -> list[Any]:
    return served(province_url, client_id, secret, code)


def _mirrored(city: Engine, settings: Settings, code: str) -> list[Any]:
    return mirrored(city, settings, code)


@pytest.mark.slow
def test_sync_resumes_after_kill_and_matches_province(
    engine: Engine, settings: Settings, province_url: str, city_url: str
) -> None:
    seed_province(engine, pupils_per_school=15)
    client_id, secret = _grant_students(engine, settings)
    cmd = _sync_cmd(city_url, province_url, client_id, secret)
    city = make_engine(city_url)
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        with city.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM sync_bookmarks")).scalar_one() >= 2:
                break
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    with city.connect() as conn:
        partial = conn.execute(text("SELECT count(*) FROM students")).scalar_one()
    assert partial < 15, "the first sync finished before it could be killed"

    stop = threading.Event()

    writes: list[int] = []

    def writer() -> None:
        n = 0
        while not stop.is_set():
            try:
                with Session(engine) as session:
                    pupils = session.scalars(
                        select(Student).where(col(Student.school_code) == "2132050001")
                    ).all()
                    pupil = pupils[n % len(pupils)]
                    pupil.name = f"改{n}"
                    if n % 5 == 4:
                        pupil.is_deleted = True
                    session.add(pupil)
                    session.commit()
                writes.append(n)
            except OperationalError:  # SQLite: a read snapshot that cannot become a write
                pass
            n += 1
            time.sleep(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(3):
            done = subprocess.run(cmd, capture_output=True, timeout=120)
            assert done.returncode == 0, done.stderr.decode()[-500:]
    finally:
        stop.set()
        thread.join()
    assert len(writes) >= 5, "the concurrent writer hardly wrote"
    done = subprocess.run(cmd, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    for code in SYNCED:
        assert _mirrored(city, settings, code) == _served(province_url, client_id, secret, code)
    city.dispose()


def test_sync_reports_dataset_it_cannot_store(
    engine: Engine, settings: Settings, province_url: str, city_url: str
) -> None:
    seed_province(engine)
    client_id, secret = _grant_students(engine, settings, clear=False)  # birth_date masked
    done = subprocess.run(
        _sync_cmd(city_url, province_url, client_id, secret), capture_output=True, timeout=120
    )
    assert done.returncode == 1
    assert "30700102/001: FAILED" in done.stderr.decode()
    city = make_engine(city_url)
    with city.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM schools")).scalar_one() == 26
        assert conn.execute(text("SELECT count(*) FROM students")).scalar_one() == 0
    city.dispose()


def _transfer_to_nanjing(engine: Engine, province: Any) -> dict[str, Any]:
    """A pupil of the city transfers to Nanjing through the connectors' loader (as a pull would
    write it); returns the pupil's row before the move."""
    stream = stream_for("students")
    table = Student.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        ours = province.school_of_city[CITY]
        pupil = dict(
            conn.execute(select(table).where(table.c.school_code == ours).limit(1)).mappings().one()
        )
        record = {c: pupil[c] for c in stream.columns}
        record["school_code"] = province.school_of_city["320100"]
        run_id = runs.start_run(conn, "test", {})
        assert loader.load_batch(conn, stream, [record], run_id=run_id, source_system="t").updated
    return pupil


def test_sync_drops_a_pupil_who_moved_to_another_city(
    engine: Engine, settings: Settings, province_url: str, city_url: str
) -> None:
    province = seed_province(engine, pupils_per_school=3)
    client_id, secret = _grant_students(engine, settings)
    cmd = _sync_cmd(city_url, province_url, client_id, secret)
    done = subprocess.run(cmd, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    city = make_engine(city_url)
    ours = province.school_of_city[CITY]
    assert len(_mirrored(city, settings, "students")) == 3

    pupil = _transfer_to_nanjing(engine, province)
    done = subprocess.run(cmd, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    assert len(_mirrored(city, settings, "students")) == 2
    for code in SYNCED:
        assert _mirrored(city, settings, code) == _served(province_url, client_id, secret, code)
    with city.connect() as conn:
        gone = conn.execute(
            text("SELECT is_deleted, school_code FROM students WHERE id = :id"), {"id": pupil["id"]}
        ).one()
    # still flagged deleted where it was: the mirror never learns where the pupil went
    assert (bool(gone[0]), gone[1]) == (True, ours)
    city.dispose()


def test_sync_mirrors_again_when_the_province_refuses_its_cursor(
    engine: Engine, settings: Settings, province_url: str, city_url: str
) -> None:
    """The province pruned the record of a pupil leaving the city before the city synced
    again: its feed answers 410, the city reads the dataset again from the start and deletes
    the mirrored rows that replay did not bring (the pupil), ending with what is served."""
    province = seed_province(engine, pupils_per_school=3)
    client_id, secret = _grant_students(engine, settings)
    cmd = _sync_cmd(city_url, province_url, client_id, secret)
    done = subprocess.run(cmd, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    city = make_engine(city_url)
    assert len(_mirrored(city, settings, "students")) == 3

    pupil = _transfer_to_nanjing(engine, province)
    with engine.begin() as conn:
        assert scoping.prune_moves(conn, utcnow() + timedelta(seconds=1)) >= 1

    done = subprocess.run(cmd, capture_output=True, timeout=120)
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()[-500:]
    assert "mirrored again from the start" in out
    assert "1 rows the province no longer serves this hub deleted" in out
    for code in SYNCED:
        assert _mirrored(city, settings, code) == _served(province_url, client_id, secret, code)
    with city.connect() as conn:
        gone = conn.execute(
            text("SELECT is_deleted FROM students WHERE id = :id"), {"id": pupil["id"]}
        ).scalar_one()
        assert bool(gone)
        assert (
            conn.execute(
                text("SELECT count(*) FROM sync_bookmarks WHERE resync_from IS NOT NULL")
            ).scalar_one()
            == 0
        )
    done = subprocess.run(cmd, capture_output=True, timeout=120)  # and on as before
    assert done.returncode == 0, done.stderr.decode()[-500:]
    assert "mirrored again" not in done.stdout.decode()
    city.dispose()
