"""Refused records: written with the batch they came in, resolved when the source is fixed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from connectors.identity import CHUNK
from connectors.streams import Reject, SourceRecord
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
    if isinstance(value, dict):
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
) -> int:
    """Quarantine each (record, reason, record key); returns how many records were refused.

    A record re-read while its entry is still open (an API page served again, a watermark
    re-read) is counted again but not written twice.
    """
    items = list(entries)
    keys = {key for _, _, key in items if key}
    open_now: set[tuple[str, str]] = set()
    wanted = sorted(keys)
    for start in range(0, len(wanted), CHUNK):
        found = conn.execute(
            select(TABLE.c.record_key, TABLE.c.rule).where(
                TABLE.c.connector == connector,
                TABLE.c.stream == stream,
                TABLE.c.resolved_run_id.is_(None),
                TABLE.c.record_key.in_(wanted[start : start + CHUNK]),
            )
        )
        open_now.update((k, r) for k, r in found)
    now = utcnow()
    rows = [
        {
            "run_id": run_id,
            "connector": connector,
            "stream": stream,
            "source": source[:300],
            "locator": json_safe(rec.locator),
            "partition": partition,
            "record_key": key[:200] if key else None,
            "raw": json_safe(rec.raw),
            "field": (reject.field or None) and str(reject.field)[:100],
            "rule": reject.rule[:60],
            "message": reject.message,
            "created_at": now,
            "resolved_run_id": None,
        }
        for rec, reject, key in items
        if not (key and (key[:200], reject.rule[:60]) in open_now)
    ]
    if rows:
        conn.execute(insert(TABLE), rows)
    return len(items)


def resolve_partition(
    conn: Connection, *, run_id: int, connector: str, stream: str, partition: str
) -> int:
    """A new complete snapshot of a partition was loaded: its older entries are settled."""
    result = conn.execute(
        update(TABLE)
        .where(
            TABLE.c.connector == connector,
            TABLE.c.stream == stream,
            TABLE.c.partition == partition,
            TABLE.c.resolved_run_id.is_(None),
            TABLE.c.run_id != run_id,
        )
        .values(resolved_run_id=run_id)
    )
    return int(result.rowcount or 0)


def resolve_keys(
    conn: Connection, *, run_id: int, connector: str, stream: str, keys: Iterable[str]
) -> int:
    """Records with these keys loaded cleanly: their open entries are settled."""
    wanted = sorted(set(keys))
    done = 0
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        result = conn.execute(
            update(TABLE)
            .where(
                and_(
                    TABLE.c.connector == connector,
                    TABLE.c.stream == stream,
                    TABLE.c.resolved_run_id.is_(None),
                    TABLE.c.run_id != run_id,
                    TABLE.c.record_key.in_(chunk),
                )
            )
            .values(resolved_run_id=run_id)
        )
        done += int(result.rowcount or 0)
    return done
