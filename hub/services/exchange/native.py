"""Native CSV and NDJSON paths: the database (or Arrow) formats rows, Python only moves bytes.

The statement is the very one the generic writers use (authorisation predicates, masking
expressions and bound parameters included), compiled for the backend:

- PostgreSQL: ``COPY (SELECT ...) TO STDOUT WITH (FORMAT csv, HEADER)``; psycopg binds the
  parameters client-side and hands over chunks of the server's CSV. NDJSON is the same COPY of
  ``json_build_object(...)`` per row, with control characters as delimiter and quote (JSON
  escapes every control character, so no line is ever quoted).
- SQLite: the ADBC driver returns Arrow record batches that Arrow's CSV writer formats, in a
  child process (``csvworker``): ADBC bundles its own SQLite, and two SQLite libraries in one
  process break each other's file locks. Worth it only for large results (``NATIVE_MIN_ROWS``).
  After each such export the server starts the next one's worker ahead of time (a spare that
  has imported its libraries and waits for its job), so only the first export pays that start.

SQLite NDJSON is ``json_object(...)`` per row through the same child process. Booleans come out
as JSON booleans and fixed-point numbers as strings on both backends, as the row-by-row writer
renders them. Either path is optional: ``native_stream`` returns None when the backend or
driver is not there, and the caller falls back to the row-by-row writer.
"""

from __future__ import annotations

import atexit
import importlib.util
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    Engine,
    Float,
    Numeric,
    Select,
    Text,
    case,
    cast,
    func,
    literal,
    select,
)

# Unit/record separators as delimiter and quote: JSON escapes control characters, so a
# json_build_object() line never contains either and COPY never quotes it.
JSON_COPY_OPTIONS = r"FORMAT csv, DELIMITER E'\x1f', QUOTE E'\x1e'"
NATIVE_MIN_ROWS = 50_000  # below this the child process costs more than it saves


def _positional(engine: Engine, stmt: Select[Any]) -> tuple[str, list[Any]]:
    compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    names = compiled.positiontup or []
    return str(compiled), [_sqlite_value(compiled.params[n]) for n in names]


def _sqlite_value(value: Any) -> Any:
    """Values as SQLAlchemy stores them in SQLite (dates as ISO text, booleans as 0/1)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _sqlite(
    engine: Engine, stmt: Select[Any], mode: str, count: Callable[[int], None]
) -> Iterator[bytes]:
    """Run the ADBC reader in a child process (never two SQLite libraries in one process)."""
    sql, params = _positional(engine, stmt)
    job = orjson.dumps(
        {"database": str(engine.url.database), "sql": sql, "params": params, "mode": mode}
    )
    proc = _take_worker()
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(job)
    proc.stdin.close()
    try:
        lines = 0
        while chunk := proc.stdout.read(1 << 16):
            lines += chunk.count(b"\n")
            yield chunk
        if proc.wait() != 0:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"CSV worker failed: {err.strip()[-300:]}")
        count(max(lines - 1, 0) if mode == "csv" else lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _keep_spare()


_spare_lock = threading.Lock()
_spare: subprocess.Popen[bytes] | None = None


def _start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hub.services.exchange.csvworker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _take_worker() -> subprocess.Popen[bytes]:
    """The spare worker (interpreter started, Arrow and ADBC imported: about 0.5 s saved) if
    there is one, else a new one."""
    global _spare
    with _spare_lock:
        proc, _spare = _spare, None
    if proc is not None and proc.poll() is None:
        return proc
    return _start_worker()


def _keep_spare() -> None:
    """After a fast-path export, start the next one's worker; it waits for its job on stdin
    (and exits when the server does: its stdin closes)."""
    global _spare
    with _spare_lock:
        if _spare is None or _spare.poll() is not None:
            _spare = _start_worker()


@atexit.register
def _drop_spare() -> None:
    with _spare_lock:
        if _spare is not None and _spare.poll() is None:
            _spare.kill()
            _spare.wait()


def _postgresql(
    engine: Engine, stmt: Select[Any], mode: str, count: Callable[[int], None]
) -> Iterator[bytes]:
    compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    options = "FORMAT csv, HEADER" if mode == "csv" else JSON_COPY_OPTIONS
    sql = f"COPY ({compiled}) TO STDOUT WITH ({options})"
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(sql, compiled.params) as copy:  # type: ignore[attr-defined]
            buffer = bytearray()
            for data in copy:  # psycopg hands over about one row per item: coalesce
                buffer += data
                if len(buffer) >= 1 << 16:
                    count(buffer.count(b"\n"))
                    yield bytes(buffer)
                    buffer.clear()
            if buffer:
                count(buffer.count(b"\n"))
                yield bytes(buffer)
        conn.rollback()


def json_lines(engine: Engine, stmt: Select[Any]) -> Select[Any]:
    """One JSON object per row, built by the database from the export statement's columns."""
    sub = stmt.subquery("t")
    pg = engine.dialect.name == "postgresql"
    pairs: list[Any] = []
    for column in sub.c:
        kind = column.type
        value: Any = column
        if isinstance(kind, Numeric) and not isinstance(kind, Float):
            value = (
                cast(column, Text)
                if pg
                else case(
                    (column.is_(None), None),
                    else_=func.printf(f"%.{kind.scale or 0}f", column),
                )
            )
        elif isinstance(kind, Boolean) and not pg:
            value = case(
                (column == 1, func.json("true")), (column == 0, func.json("false")), else_=None
            )
        pairs += [cast(literal(column.name), Text), value]
    build = func.json_build_object if pg else func.json_object
    return select(build(*pairs).label("j")).select_from(sub)


def native_stream(
    engine: Engine, stmt: Select[Any], fmt: str, count: Callable[[int], None]
) -> Iterator[bytes] | None:
    """A native CSV or NDJSON stream for this backend, or None to use the generic writer."""
    if fmt not in ("csv", "ndjson"):
        return None
    query = json_lines(engine, stmt) if fmt == "ndjson" else stmt
    if engine.dialect.name == "postgresql":
        return _postgresql(engine, query, fmt, count)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        if importlib.util.find_spec("adbc_driver_sqlite") is None:
            return None
        probe = select(literal(1)).select_from(stmt.subquery()).offset(max(NATIVE_MIN_ROWS - 1, 0))
        with engine.connect() as conn:  # is there a NATIVE_MIN_ROWS-th row? (stops there)
            large = conn.execute(probe.limit(1)).first() is not None
        return _sqlite(engine, query, fmt, count) if large else None
    return None
