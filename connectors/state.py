"""Stream state (bookmarks, cursors, snapshot hashes) and loaded-file fingerprints.

Always written through the caller's connection, inside the transaction that writes the batch
the state describes: both commit or neither does, so a killed run resumes exactly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from connectors.streams import FileRef
from schemas.base import utcnow
from schemas.state import ConnectorState, LoadedFile

STATE = ConnectorState.__table__  # type: ignore[attr-defined]
FILES = LoadedFile.__table__  # type: ignore[attr-defined]


def load_state(conn: Connection, connector: str) -> dict[str, dict[str, Any]]:
    """Every stream's state of a connector: {stream: value}."""
    rows = conn.execute(select(STATE.c.stream, STATE.c.value).where(STATE.c.connector == connector))
    return {stream: dict(value or {}) for stream, value in rows}


def save_state(
    conn: Connection, connector: str, stream: str, value: dict[str, Any], run_id: int
) -> bool:
    """Store a stream's state; nothing is written when it did not change."""
    current = conn.execute(
        select(STATE.c.value).where(STATE.c.connector == connector, STATE.c.stream == stream)
    ).one_or_none()
    if current is not None and current[0] == value:
        return False
    if current is None:
        conn.execute(
            insert(STATE).values(
                connector=connector, stream=stream, value=value, run_id=run_id, updated_at=utcnow()
            )
        )
    else:
        conn.execute(
            update(STATE)
            .where(STATE.c.connector == connector, STATE.c.stream == stream)
            .values(value=value, run_id=run_id, updated_at=utcnow())
        )
    return True


def clear_state(conn: Connection, connector: str) -> None:
    """Forget bookmarks and fingerprints (``--full-refresh``); the data stays."""
    conn.execute(delete(STATE).where(STATE.c.connector == connector))
    conn.execute(delete(FILES).where(FILES.c.connector == connector))


def loaded_files(conn: Connection, connector: str, stream: str) -> set[tuple[str, int, str]]:
    """Fingerprints (name, size, sha256) of every file of the stream already loaded."""
    rows = conn.execute(
        select(FILES.c.name, FILES.c.size, FILES.c.sha256).where(
            FILES.c.connector == connector, FILES.c.stream == stream
        )
    )
    return {(n, int(s), h) for n, s, h in rows}


def remember_file(
    conn: Connection, connector: str, stream: str, ref: FileRef, rows: int, run_id: int
) -> None:
    conn.execute(
        insert(FILES).values(
            connector=connector,
            stream=stream,
            name=ref.name,
            size=ref.size,
            sha256=ref.sha256,
            partition=ref.partition,
            period=ref.period,
            rows=rows,
            run_id=run_id,
            loaded_at=utcnow(),
        )
    )
