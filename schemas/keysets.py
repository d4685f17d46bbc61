"""``WHERE key IN (...)`` for thousands of keys as one statement with one parameter.

A pull looks up every batch's keys (what the hub holds, which pupils it knows, which quarantine
entries a batch settles). Written as ``IN (:k1, :k2, ...)`` each batch renders, converts and
sends a new statement of thousands of placeholders (on PostgreSQL that took 44% of a health
pull's time); here the keys travel as one value and the statement text never changes:

- PostgreSQL: ``col = ANY(:array)``, and for a composite key
  ``(a, b) IN (SELECT * FROM unnest(:a_array, :b_array))``;
- SQLite: ``col IN (SELECT value FROM json_each(:json))`` (the index on ``col`` is searched
  per key), composite keys as JSON arrays taken apart with ``json_extract``.

Values are converted by the column type's own bind processor first (SQLite stores dates as
text), so they compare exactly as bound parameters would.

These are for key columns with an index the database searches per key. As a mere filter on rows
other conditions select, ``= ANY(:array)`` is checked element by element for every row by the
generic plan of a prepared statement (psycopg prepares a statement from its fifth execution): the
server hashes only an array it sees as a constant. Run such a lookup in :func:`unprepared`, where
every execution is planned with its own keys (as ``connectors.quarantine`` does).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, bindparam, func, select, tuple_
from sqlalchemy.dialects import postgresql


def _bound(conn: Connection, column: ColumnElement[Any], values: Sequence[Any]) -> list[Any]:
    process = column.type.bind_processor(conn.dialect)
    return [process(v) for v in values] if process is not None else list(values)


def values_in(
    conn: Connection, column: ColumnElement[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """``column IN values`` with the values as one parameter."""
    if conn.dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column == func.any(array)
    payload = orjson.dumps(_bound(conn, column, list(values)), default=str).decode()
    each = func.json_each(bindparam(None, payload)).table_valued("value")
    return column.in_(select(each.c.value))


def rows_in(
    conn: Connection, columns: Sequence[ColumnElement[Any]], keys: Collection[tuple[Any, ...]]
) -> ColumnElement[bool]:
    """``(columns) IN keys`` (tuples in column order) with one parameter per column on
    PostgreSQL, one in all on SQLite."""
    if len(columns) == 1:
        return values_in(conn, columns[0], [k[0] for k in keys])
    wanted = list(keys)
    if conn.dialect.name == "postgresql":
        arrays = [
            bindparam(None, [k[i] for k in wanted], type_=postgresql.ARRAY(c.type))
            for i, c in enumerate(columns)
        ]
        names = [f"k{i}" for i in range(len(columns))]
        table = func.unnest(*arrays).table_valued(*names).render_derived()
        return tuple_(*columns).in_(select(*table.c))
    parts = [_bound(conn, c, [k[i] for k in wanted]) for i, c in enumerate(columns)]
    payload = orjson.dumps([list(row) for row in zip(*parts, strict=True)], default=str).decode()
    each = func.json_each(bindparam(None, payload)).table_valued("value")
    picks = [func.json_extract(each.c.value, f"$[{i}]") for i in range(len(columns))]
    return tuple_(*columns).in_(select(*picks))


PER_QUERY = 50_000  # keys per statement: bounds the parameter's size, not the statement's


def chunks(values: Sequence[Any], size: int = PER_QUERY) -> list[Sequence[Any]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


@contextmanager
def unprepared(conn: Connection) -> Iterator[Connection]:
    """Statements run inside are planned for their own parameters every time (PostgreSQL; a no-op
    elsewhere).

    psycopg prepares a statement from its fifth execution on, and the server may then reuse a
    generic plan made without the parameters' values. For a key filter over rows other conditions
    select, on a table written during the pull (no statistics yet), that plan compared each row
    with each key: a lookup of 5,000 keys among 100,000 open quarantine entries took about 13 s
    from the eleventh execution on, against 0.03 s planned with its keys
    (``bench/quarantine.py``)."""
    if conn.dialect.name != "postgresql":
        yield conn
        return
    driver = conn.connection.driver_connection
    saved = driver.prepare_threshold  # type: ignore[union-attr]
    driver.prepare_threshold = None  # type: ignore[union-attr]
    try:
        yield conn
    finally:
        driver.prepare_threshold = saved  # type: ignore[union-attr]
