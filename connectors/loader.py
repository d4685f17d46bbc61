"""Batch upsert into the unified tables, writing only what changed.

A record's ``content_hash`` (over its business columns) is compared with the hash the hub holds
for its natural key: equal → unchanged, no write at all; different or soft-deleted → update with
a new change version; unknown → insert. A complete snapshot also soft-deletes the rows of its
scope it no longer lists. Statements are bulk Core executemany, never per-row ORM, and versions
are reserved in one ``allocate_versions`` call per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    Table,
    Update,
    bindparam,
    insert,
    select,
    update,
)

from connectors.streams import DELETED, HASHED, Stream, source_key
from schemas import keysets, scoping
from schemas.base import utcnow
from schemas.versioning import allocate_versions, content_hash

Key = tuple[Any, ...]
MEMO_LIMIT = 50_000  # distinct values remembered per column of one executemany


@dataclass
class Existing:
    pk: Any
    hash: str
    deleted: bool


@dataclass
class LoadResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    keys: set[Key] = field(default_factory=set)
    hashes: dict[Key, str] = field(default_factory=dict)  # content hash of each loaded record


def _table(stream: Stream) -> Table:
    return stream.model.__table__  # type: ignore[attr-defined]


def _defaults(table: Table, columns: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in columns:
        default = table.c[name].default
        arg = getattr(default, "arg", None)
        out[name] = arg if default is not None and not callable(arg) else None
    return out


def row_hash(stream: Stream, row: dict[str, Any]) -> str:
    """The content hash :func:`load_batch` gives a mapped record (its defaults filled in)."""
    for name, default in _defaults(_table(stream), stream.columns).items():
        row.setdefault(name, default)
    return content_hash(row, stream.columns)


def lookup(conn: Connection, stream: Stream, keys: Iterable[Key]) -> dict[Key, Existing]:
    """What the hub holds for these natural keys: surrogate key, content hash, deleted flag."""
    return _lookup(conn, _table(stream), stream, keys)


def _lookup(
    conn: Connection, table: Table, stream: Stream, keys: Iterable[Key]
) -> dict[Key, Existing]:
    pk = next(iter(table.primary_key.columns))
    cols = [table.c[k] for k in stream.key]
    base = select(pk, table.c.content_hash, table.c.is_deleted, *cols)
    found: dict[Key, Existing] = {}
    for chunk in keysets.chunks(list(keys)):
        for row in conn.execute(base.where(keysets.rows_in(conn, cols, chunk))).all():
            found[tuple(row[3:])] = Existing(row[0], row[1], bool(row[2]))
    return found


def in_scope(conn: Connection, stream: Stream, scope: ColumnElement[bool]) -> dict[Key, Existing]:
    """What the hub holds in a snapshot's scope (a county's pupils), by natural key."""
    return _in_scope(conn, _table(stream), stream, scope)


def _in_scope(
    conn: Connection, table: Table, stream: Stream, scope: ColumnElement[bool]
) -> dict[Key, Existing]:
    pk = next(iter(table.primary_key.columns))
    cols = [table.c[k] for k in stream.key]
    query = select(pk, table.c.content_hash, table.c.is_deleted, *cols).where(scope)
    rows = conn.execute(query).all()
    return {tuple(r[3:]): Existing(r[0], r[1], bool(r[2])) for r in rows}


def _note_scope(
    conn: Connection, table: Table, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]
) -> None:
    """Rows these writes move out of a region, for the exchange's change feed (before the
    UPDATE: the old locations are read from the table). See ``schemas.scoping``."""
    if updates:
        scoping.note_updates(conn, table, updates)
    if inserts:
        scoping.note_inserts(conn, table, inserts)


def executemany(conn: Connection, stmt: Insert | Update, rows: list[dict[str, Any]]) -> None:
    """``conn.execute(stmt, rows)`` without SQLAlchemy's per-row parameter machinery, which
    costs more than the database's own work on a bulk load: the statement is compiled once, each
    value goes through the bind processor SQLAlchemy would apply to it, and the DBAPI cursor's
    ``executemany`` runs inside the connection's transaction. Rows must share their keys; a
    statement that needs more (a Python-side column default, an escaped name) takes the usual
    path."""
    keys = list(rows[0])
    compiled = stmt.compile(dialect=conn.dialect, column_keys=keys)
    names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    if compiled.escaped_bind_names or any(name not in rows[0] for name in names):
        conn.execute(stmt, rows)
        return
    # A plain INSERT on PostgreSQL whose binds are its columns' names goes through COPY.
    copy_table = None
    if (
        conn.dialect.name == "postgresql"
        and isinstance(stmt, Insert)
        and isinstance(stmt.table, Table)
        and all(name in stmt.table.c for name in names)
    ):
        copy_table = stmt.table
    processors = compiled._bind_processors
    # The same few values repeat (the batch's timestamp, flags, birth dates): convert each once.
    convert: list[tuple[int, Any, dict[Any, Any]]] = [
        (i, processors[n], {}) for i, n in enumerate(names) if n in processors
    ]
    pick = itemgetter(*names)
    params: list[Any] = []
    for row in rows:
        values = pick(row) if len(names) > 1 else (row[names[0]],)
        if convert:
            values = list(values)
            for i, process, memo in convert:
                value = values[i]
                try:
                    values[i] = memo[value]
                except KeyError:
                    values[i] = memo[value] = process(value)
                    if len(memo) > MEMO_LIMIT:
                        memo.clear()
                except TypeError:  # unhashable
                    values[i] = process(value)
        if copy_table is not None or compiled.positional:
            params.append(values)
        else:
            params.append(dict(zip(names, values, strict=True)))
    if copy_table is not None:
        _copy(conn, copy_table, names, params)
        return
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(compiled.string, params)
    finally:
        cursor.close()


def _copy(conn: Connection, table: Table, names: list[str], rows: list[Any]) -> None:
    """PostgreSQL inserts by ``COPY ... FROM STDIN``: about three times the rows per second of
    a pipelined ``executemany``, with the same values (psycopg adapts them as it would bind
    parameters)."""
    from psycopg import sql

    query = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    cursor = conn.connection.cursor()
    try:
        with cursor.copy(query) as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def bulk_session(conn: Connection) -> None:
    """SQLite settings for the connection a pull writes with: a 32 MB page cache (the default
    2 MB holds a fraction of a large table's indexes, and every batch re-reads their pages) and
    a WAL checkpointed every 10,000 pages rather than 1,000. Per connection, so the API server's
    connections keep the small default. PostgreSQL needs nothing."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-32768")
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=10000")


def load_batch(
    conn: Connection,
    stream: Stream,
    records: list[dict[str, Any]],
    *,
    run_id: int,
    source_system: str,
    scope: ColumnElement[bool] | None = None,
    present: set[Key] | frozenset[Key] = frozenset(),
    protected: frozenset[str] = frozenset(),
    tombstones: Sequence[Key] = (),
    held: dict[Key, Existing] | None = None,
) -> LoadResult:
    """Write one batch of mapped records (unique keys) and the deletions it implies.

    ``scope`` marks the batch (the last chunk of) a complete snapshot of the rows it selects:
    those neither in the batch nor ``present`` in its earlier chunks (and whose key is not
    ``protected``, i.e. present but quarantined) are soft-deleted.
    ``tombstones`` are keys the source itself marked deleted.
    ``held``: what the scope held when the snapshot started (its rows not in the snapshot are
    the same now), read already by the caller; else the scope is read here.
    """
    table = _table(stream)
    pk_name = next(iter(table.primary_key.columns)).name
    columns = stream.columns
    defaults = _defaults(table, columns)
    now = utcnow()
    result = LoadResult()

    prepared: list[tuple[Key, dict[str, Any], str, bool]] = []
    for row in records:  # completed in place: the caller's mapped records are not reused
        known = row.pop(HASHED, None)
        for name, default in defaults.items():
            row.setdefault(name, default)
        gone = bool(row.pop(DELETED, False))
        if gone:
            digest = content_hash({**row, DELETED: True}, [*columns, DELETED])
        else:
            digest = known or content_hash(row, columns)
        prepared.append((stream.key_of(row), row, digest, gone))

    batch_keys = {key for key, *_ in prepared}
    existing: dict[Key, Existing] = {}
    if scope is not None:
        existing = dict(held) if held is not None else _in_scope(conn, table, stream, scope)
    missing = [k for k in batch_keys if k not in existing]
    in_scope = dict(existing)
    if missing:
        existing.update(_lookup(conn, table, stream, missing))

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for key, row, digest, gone in prepared:
        skey = source_key(key)
        old = existing.get(key)
        if old is not None and old.hash == digest and old.deleted == gone:
            result.unchanged += 1
            continue
        values = row  # extended in place: one dict per record, not two
        values.update(
            source_key=skey, run_id=run_id, last_seen=now, content_hash=digest, is_deleted=gone
        )
        if old is None:
            values.update(source_system=source_system, first_seen=now)
            inserts.append(values)
        else:
            values["_pk"] = old.pk
            updates.append(values)

    deletes: list[Any] = []
    if scope is not None:
        for key in sorted(in_scope, key=source_key):
            old = in_scope[key]
            if (
                not old.deleted
                and key not in batch_keys
                and key not in present
                and source_key(key) not in protected
            ):
                deletes.append(old.pk)
    if tombstones:
        for key, old in sorted(_lookup(conn, table, stream, tombstones).items()):
            if not old.deleted and key not in batch_keys:
                deletes.append(old.pk)

    versions = iter(allocate_versions(conn, len(inserts) + len(updates) + len(deletes)))
    for values in inserts:
        values["change_version"] = next(versions)
    for values in updates:
        values["change_version"] = next(versions)
    _note_scope(conn, table, inserts, updates)
    if inserts:
        executemany(conn, insert(table), inserts)
    if updates:
        executemany(conn, update(table).where(table.c[pk_name] == bindparam("_pk")), updates)
    if deletes:
        executemany(
            conn,
            update(table).where(table.c[pk_name] == bindparam("_pk")),
            [
                {
                    "_pk": pk,
                    "is_deleted": True,
                    "change_version": next(versions),
                    "run_id": run_id,
                    "last_seen": now,
                }
                for pk in deletes
            ],
        )
    result.inserted, result.updated, result.deleted = len(inserts), len(updates), len(deletes)
    result.keys = batch_keys
    result.hashes = {key: digest for key, _, digest, gone in prepared if not gone}
    return result
