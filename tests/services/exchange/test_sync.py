"""Federation over loopback: a province hub process, a city syncing through the change feed.

The city's first sync is killed mid-way and resumed; meanwhile a writer changes and deletes
rows at the province. After a final sync the city's tables hold exactly the rows and values the
province serves to that city, row by row, deletions included.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from hub.services.exchange import clients, shares
from hub.services.exchange.datasets import get_dataset
from hub.settings import Settings
from hub.storage.engine import make_engine
from schemas.people import Student
from tests.conftest import Templates, _fresh_database
from tests.services.exchange.factories import make_client, seed_province

CITY = "320500"
SYNCED = ["schools", "students", "ict_surveys"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def province_url(database_url: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "EDUHUB_ID_HASH_KEY": "test-id-hash-key"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "--database-url", database_url, "serve",
         "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):  # the machine is shared: allow a slow start
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the province hub did not start")
    yield url
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)


@pytest.fixture
def city_url(tmp_path: Path, templates: Templates) -> Iterator[str]:
    (tmp_path / "city").mkdir()
    yield from _fresh_database("sqlite", tmp_path / "city", templates)


def _grant_students(engine: Engine, settings: Settings, clear: bool = True) -> tuple[str, str]:
    client_id, secret = make_client(engine, CITY)
    province_id, province_secret = make_client(engine, "320000")
    with Session(engine) as session:

        def caller(cid: str, sec: str) -> clients.Caller:
            tok = clients.issue_token(
                session=session, settings=settings, client_id=cid, client_secret=sec
            )
            return clients.authenticate(session=session, settings=settings, token=tok.access_token)

        ds = get_dataset(settings, "students")
        wanted = sorted(ds.personal) if clear else []
        req = shares.submit(
            session=session, settings=settings, caller=caller(client_id, secret),
            dataset="students", purpose="镜像", legal_basis="法", fields=wanted,
            period_start=date(2026, 1, 1), period_end=date(2099, 1, 1),
        )  # fmt: skip
        assert req.id is not None
        shares.approve(
            session=session, caller=caller(province_id, province_secret), request_id=req.id
        )
    return client_id, secret


def _sync_cmd(city_url: str, province_url: str, client_id: str, secret: str) -> list[str]:
    cmd = [sys.executable, "-m", "hub.cli", "--database-url", city_url, "sync",
           "--from", province_url, "--client-id", client_id, "--secret", secret,
           "--page-size", "3"]  # fmt: skip
    for ds in SYNCED:
        cmd += ["--dataset", ds]
    return cmd


def _served(province_url: str, client_id: str, secret: str, code: str) -> list[Any]:
    with httpx.Client(base_url=province_url) as http:
        tok = http.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": client_id,
                  "client_secret": secret},
        ).json()["access_token"]  # fmt: skip
        body = http.get(
            f"/api/v1/datasets/{code}/records?limit=10000",
            headers={"Authorization": f"Bearer {tok}"},
        ).json()
    return sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in body["data"])


def _mirrored(city: Engine, settings: Settings, code: str) -> list[Any]:
    ds = get_dataset(settings, code)
    cols = [ds.column(f) for f in ds.fields]
    with city.connect() as conn:
        rows = conn.execute(select(*cols).where(ds.column("is_deleted").is_(False))).mappings()
        return sorted(orjson.dumps(dict(r), option=orjson.OPT_SORT_KEYS, default=str) for r in rows)


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
