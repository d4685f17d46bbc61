"""Engines for the two supported backends: SQLite (embedded default) and PostgreSQL (server)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError

from hub.errors import ConfigError

SUPPORTED = ("sqlite", "postgresql")


def normalise_url(raw: str) -> URL:
    """Parse a database URL, pinning PostgreSQL to psycopg 3; bad URLs become ConfigError."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(
            f"malformed database URL {raw!r}: expected sqlite:///file.db or "
            "postgresql://user@host:port/db"
        ) from exc
    backend = url.get_backend_name()
    if backend not in SUPPORTED:
        raise ConfigError(f"unsupported database {backend!r} in {raw!r}: use sqlite or postgresql")
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA page_size=8192")  # a new database's: fewer page splits in wide indexes
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(raw_url: str, *, echo: bool = False) -> Engine:
    """Build an engine; SQLite gets WAL and foreign keys on every connection."""
    url = normalise_url(raw_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, open transactions so BEGIN is explicit and deferred.
        event.listen(engine, "connect", _disable_pysqlite_begin)
        event.listen(engine, "begin", _emit_begin)
        # ``engine.begin()`` is how the hub opens a writing transaction (pull batches, uploads,
        # sync pages, migrations): on SQLite it takes the write lock at BEGIN. A deferred
        # transaction that reads, then writes after another connection committed, fails at once
        # with "database is locked" (a stale WAL snapshot cannot become a writer, whatever the
        # busy timeout); an immediate one waits for the lock instead. Reads (``connect()``)
        # stay deferred so they never wait for a writer.
        engine.begin = engine.execution_options(sqlite_begin="IMMEDIATE").begin  # type: ignore[method-assign]
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _disable_pysqlite_begin(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def _emit_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE"
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
