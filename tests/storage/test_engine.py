"""Engines: SQLite pragmas, PostgreSQL through psycopg 3, clear errors for bad URLs."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, text

from hub.errors import ConfigError
from hub.storage.engine import make_engine, normalise_url


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_normalise_url_pins_psycopg_driver() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["not a url", "mysql://root@localhost/x", "://nothing"])
def test_make_engine_rejects_bad_url(url: str) -> None:
    with pytest.raises(ConfigError):
        make_engine(url)


def test_engine_speaks_to_its_backend(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    assert engine.dialect.name in {"sqlite", "postgresql"}
    if engine.dialect.name == "postgresql":
        assert engine.dialect.driver == "psycopg"


def test_sqlite_write_transaction_survives_a_commit_between_its_read_and_write(tmp_path) -> None:
    """``engine.begin()`` reads, another connection commits meanwhile, then it writes: with a
    deferred BEGIN the write fails at once ("database is locked"); an immediate one waits."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    read = threading.Event()
    errors: list[Exception] = []

    def other_writer() -> None:
        read.wait(5)
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
        except Exception as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=other_writer)
    thread.start()
    with engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM t")).scalar()
        read.set()
        time.sleep(0.3)  # the other writer commits here if it can
        conn.execute(text("INSERT INTO t VALUES (1)"))
    thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t ORDER BY rowid")).scalars().all() == [1, 2]
    engine.dispose()
