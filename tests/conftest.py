"""Fixtures chained settings -> engine -> session -> client, over SQLite and PostgreSQL.

Every storage test runs on both backends. Each test gets its own throw-away database, copied
from a template that was migrated and seeded once per test run (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL). A PostgreSQL server that cannot be reached is
a failure, not a skip; set EDUHUB_TEST_BACKENDS=sqlite to run SQLite alone on purpose.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.api.app import create_app
from hub.services.system import init_database
from hub.settings import Settings
from hub.storage.engine import make_engine

BACKENDS = [
    b.strip() for b in os.environ.get("EDUHUB_TEST_BACKENDS", "sqlite,postgresql").split(",")
]
PG_ADMIN = os.environ.get("EDUHUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_KEY = "test-id-hash-key"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def pg_url(dbname: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


def pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def make_settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(database_url=database_url, id_hash_key=TEST_KEY, data_dir=data_dir)


class Templates:
    """One migrated, seeded database per backend and test run, copied for each test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.run_id = f"{_worker()}_{uuid.uuid4().hex[:8]}"
        self.made: dict[str, str] = {}

    def sqlite(self) -> Path:
        path = self.root / "template.db"
        if "sqlite" not in self.made:
            self._init(f"sqlite:///{path}")
            self.made["sqlite"] = str(path)
        return path

    def postgresql(self) -> str:
        if "postgresql" not in self.made:
            try:
                with psycopg.connect(PG_ADMIN, connect_timeout=5):
                    pass
            except psycopg.OperationalError as exc:
                pytest.fail(f"PostgreSQL at {PG_ADMIN} is required by the suite: {exc}")
            name = f"eduhub_tpl_{self.run_id}"
            pg_admin(f'CREATE DATABASE "{name}"')
            self._init(pg_url(name))
            self.made["postgresql"] = name
        return self.made["postgresql"]

    def _init(self, url: str) -> None:
        engine = make_engine(url)
        init_database(engine=engine, settings=make_settings(url, self.root))
        engine.dispose()

    def drop(self) -> None:
        if "postgresql" in self.made:
            pg_admin(f'DROP DATABASE IF EXISTS "{self.made["postgresql"]}" WITH (FORCE)')


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    t = Templates(tmp_path_factory.mktemp("templates"))
    yield t
    t.drop()


def _fresh_database(backend: str, tmp_path: Path, template: Templates | None) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path / "eduhub.db"
        if template is not None:
            shutil.copyfile(template.sqlite(), path)
        yield f"sqlite:///{path}"
        return
    name = f"eduhub_t_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template.postgresql()}"' if template is not None else ""
    if template is None:
        try:
            with psycopg.connect(PG_ADMIN, connect_timeout=5):
                pass
        except psycopg.OperationalError as exc:
            pytest.fail(f"PostgreSQL at {PG_ADMIN} is required by the suite: {exc}")
    pg_admin(f'CREATE DATABASE "{name}"{clause}')
    try:
        yield pg_url(name)
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> Iterator[str]:
    """A migrated, seeded, otherwise empty database of its own."""
    yield from _fresh_database(request.param, tmp_path, templates)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (for migration tests)."""
    yield from _fresh_database(request.param, tmp_path, None)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path / "data")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    eng = make_engine(settings.database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as s:
        yield s


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
