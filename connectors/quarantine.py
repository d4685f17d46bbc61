"""Refused records: written with the batch they came in, resolved when the source is fixed."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from connectors.streams import Reject, SourceRecord
from schemas import keysets
from schemas.base import utcnow
from schemas.quarantine import QuarantineRecord

TABLE = QuarantineRecord.__table__  # type: ignore[attr-defined]


def json_safe(value: Any) -> Any:
    """A raw cell as JSON can hold it: dates as ISO text, NaN as null, bytes as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Mapping):  # a dict, or a light row's raw record (connectors.prepare)
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return str(value)


def write(
    conn: Connection,
    *,
    run_id: int,
    connector: str,
    stream: str,
    source: str,
    partition: str | None,
    entries: Iterable[tuple[SourceRecord, Reject, str | None]],
) -> tuple[int, set[int]]:
    """Quarantine each (record, reason, record key); returns how many records were refused and
    the ids of entries that were already open for them.

    A record re-read while its entry is still open (an API page served again, a file re-read
    after a crash) is counted again but not written twice: its open entry from the same source,
    found by key (or, for a record without a key, by locator), stays as it is.
    """
    items = list(entries)
    open_now: dict[tuple[str, str], int] = {}
    wanted = {key[:200] for _, _, key in items if key}
    if wanted:
        held = _open(
            conn,
            wanted,
            (TABLE.c.id, TABLE.c.record_key, TABLE.c.rule),
            TABLE.c.connector == connector,
            TABLE.c.stream == stream,
            TABLE.c.source == source[:300],
        )
        open_now.update(((k, r), i) for i, k, r in held)
    keyless: dict[tuple[str, str], int] = {}
    if any(not key for _, _, key in items):
        found = conn.execute(
            select(TABLE.c.id, TABLE.c.locator, TABLE.c.rule).where(
                TABLE.c.connector == connector,
                TABLE.c.stream == stream,
                TABLE.c.source == source[:300],
                TABLE.c.resolved_run_id.is_(None),
                TABLE.c.record_key.is_(None),
            )
        )
        keyless.update(((orjson.dumps(loc).decode(), r), i) for i, loc, r in found)
    now = utcnow()
    rows = []
    kept: set[int] = set()
    for rec, reject, key in items:
        locator = json_safe(rec.locator)
        if key:
            hit = open_now.get((key[:200], reject.rule[:60]))
        else:
            hit = keyless.get((orjson.dumps(locator).decode(), reject.rule[:60]))
        if hit is not None:
            kept.add(hit)
            continue
        rows.append(
            {
                "run_id": run_id,
                "connector": connector,
                "stream": stream,
                "source": source[:300],
                "locator": locator,
                "partition": partition,
                "record_key": key[:200] if key else None,
                "raw": json_safe(rec.raw),
                "field": (reject.field or None) and str(reject.field)[:100],
                "rule": reject.rule[:60],
                "message": reject.message,
                "created_at": now,
                "resolved_run_id": None,
            }
        )
    if rows:
        conn.execute(insert(TABLE), rows)
    return len(items), kept


def resolve_partition(
    conn: Connection,
    *,
    run_id: int,
    connector: str,
    stream: str,
    partition: str,
    keep: set[int] | frozenset[int] = frozenset(),
) -> int:
    """A new complete snapshot of a partition was loaded: its older entries are settled,
    except those (``keep``) the snapshot still shows."""
    ids = conn.execute(
        select(TABLE.c.id).where(
            TABLE.c.connector == connector,
            TABLE.c.stream == stream,
            TABLE.c.partition == partition,
            TABLE.c.resolved_run_id.is_(None),
            TABLE.c.run_id != run_id,
        )
    ).scalars()
    settled = sorted(set(ids) - set(keep))
    for chunk in keysets.chunks(settled):
        conn.execute(
            update(TABLE)
            .where(keysets.values_in(conn, TABLE.c.id, chunk))
            .values(resolved_run_id=run_id)
        )
    return len(settled)


def resolve_keys(
    conn: Connection, *, run_id: int, connector: str, stream: str, keys: Iterable[str]
) -> int:
    """Records with these keys loaded cleanly: their open entries are settled."""
    wanted = set(keys)
    if not wanted:
        return 0
    found = _open(
        conn,
        wanted,
        (TABLE.c.id, TABLE.c.record_key),
        TABLE.c.connector == connector,
        TABLE.c.stream == stream,
        TABLE.c.run_id != run_id,
    )
    settled = sorted(i for i, _ in found)
    for chunk in keysets.chunks(settled):
        conn.execute(
            update(TABLE)
            .where(keysets.values_in(conn, TABLE.c.id, chunk))
            .values(resolved_run_id=run_id)
        )
    return len(settled)


def _open(conn: Connection, keys: set[str], columns: Sequence[Any], *where: Any) -> list[Any]:
    """Open entries matching ``where`` whose record key is one of ``keys``.

    SQLite searches its ``record_key`` index through the keys (``json_each``). On PostgreSQL the
    same filter (``= ANY(:keys)`` beside the other conditions) is planned with the batch's keys
    every time (:func:`schemas.keysets.unprepared`): a prepared statement's generic plan, on a
    table written during the pull and so without statistics, compared every open entry with every
    key, one by one (5,000 keys against 8,000 open entries took a second; against 100,000, 13 s).
    Planned with its keys the server hashes them, or searches the index once it has statistics:
    0.22 and 0.09 of the time of reading the stream's open entries and matching them here, as
    the hub did before (``bench/quarantine.py``)."""
    base = select(*columns).where(TABLE.c.resolved_run_id.is_(None), *where)
    found: list[Any] = []
    with keysets.unprepared(conn):
        for chunk in keysets.chunks(sorted(keys)):
            found += conn.execute(base.where(keysets.values_in(conn, TABLE.c.record_key, chunk)))
    return found
