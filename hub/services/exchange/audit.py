"""Append-only, hash-chained audit log of every response that carries data.

Each entry's hash is SHA-256 over its canonical JSON (orjson, sorted keys) including the previous
entry's hash, so changing, removing or inserting an entry breaks every link after it. The one-row
``audit_head`` holds the tip; appending locks it (``UPDATE ... RETURNING``), which orders writers
and lets ``verify`` notice entries removed from the end. The caller commits the entry before any
data leaves: if the append fails, the request fails (fail closed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from hub.errors import StorageUnavailable
from hub.services.exchange.clients import Caller
from schemas.base import utcnow
from schemas.exchange import AuditEntry, AuditHead

GENESIS = "0" * 64
DATA_ACTIONS = ("records", "changes", "export.done", "upload")


def _timestamp(value: datetime) -> str:
    """Backend-independent rendering: UTC, naive, microseconds."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def entry_hash(entry: AuditEntry) -> str:
    payload = {
        "seq": entry.seq,
        "at": _timestamp(entry.at),
        "request_id": entry.request_id,
        "action": entry.action,
        "client_id": entry.client_id,
        "org_code": entry.org_code,
        "dataset": entry.dataset,
        "detail": entry.detail,
        "row_count": entry.row_count,
        "bytes": entry.bytes,
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def append(
    *,
    engine: Engine,
    caller: Caller,
    request_id: str,
    action: str,
    dataset: str | None,
    detail: dict[str, Any],
    row_count: int | None = None,
    size: int | None = None,
) -> int:
    """Write and commit one entry in its own transaction; raise StorageUnavailable on failure."""
    head = AuditHead.__table__  # type: ignore[attr-defined]
    try:
        with Session(engine) as session:
            seq, prev = session.execute(
                update(head)
                .where(head.c.id == 1)
                .values(seq=head.c.seq + 1)
                .returning(head.c.seq, head.c.hash)
            ).one()
            entry = AuditEntry(
                seq=seq,
                at=utcnow(),
                request_id=request_id,
                action=action,
                client_id=caller.client_id,
                org_code=caller.org_code,
                dataset=dataset,
                detail=detail,
                row_count=row_count,
                bytes=size,
                prev_hash=prev,
                hash="",
            )
            entry.hash = entry_hash(entry)
            session.add(entry)
            session.execute(update(head).where(head.c.id == 1).values(hash=entry.hash))
            session.commit()
            return int(seq)
    except SQLAlchemyError as exc:
        raise StorageUnavailable(
            "audit log unavailable: the request is refused (fail closed)"
        ) from exc


def last_detail(
    *, engine: Engine, client_id: str | None, dataset: str, action: str
) -> dict[str, Any] | None:
    """The detail of this client's latest ``action`` entry on ``dataset`` (None: there is none,
    or the caller has no client)."""
    if client_id is None:
        return None
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    query = (
        select(table.c.detail)
        .where(table.c.client_id == client_id, table.c.dataset == dataset, table.c.action == action)
        .order_by(table.c.seq.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        found = conn.execute(query).scalar_one_or_none()
    return dict(found) if found is not None else None


def feed_started(*, engine: Engine, client_id: str | None, dataset: str) -> datetime | None:
    """When this client last asked ``dataset``'s change feed for everything (``since=0``):
    the start of the copy it holds."""
    if client_id is None:
        return None
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    query = select(func.max(table.c.at)).where(
        table.c.client_id == client_id,
        table.c.dataset == dataset,
        table.c.action == "changes",
        table.c.detail["since"].as_integer() == 0,
    )
    with engine.connect() as conn:
        found: datetime | None = conn.execute(query).scalar_one_or_none()
    if found is not None and found.tzinfo is None:  # SQLite gives naive UTC
        found = found.replace(tzinfo=UTC)
    return found


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    broken_at: int | None = None
    reason: str = ""


def _entries(session: Session) -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = session.scalars(
            select(AuditEntry)
            .where(col(AuditEntry.seq) > last)
            .order_by(col(AuditEntry.seq))
            .limit(2000)
        ).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def verify(*, session: Session) -> Verdict:
    """Walk the chain from the genesis; name the first entry whose link does not hold."""
    prev = GENESIS
    expected = 1
    count = 0
    for entry in _entries(session):
        count += 1
        if entry.seq != expected:
            if entry.seq > expected:
                reason = f"entry {expected} is missing (deleted)"
            else:
                reason = f"entry {entry.seq} is out of order (inserted)"
            return Verdict(False, count, expected, reason)
        if entry.prev_hash != prev:
            reason = (
                f"entry {entry.seq} does not link to entry {entry.seq - 1} (inserted or edited)"
            )
            return Verdict(False, count, entry.seq, reason)
        if entry_hash(entry) != entry.hash:
            return Verdict(False, count, entry.seq, f"entry {entry.seq} was changed")
        prev = entry.hash
        expected += 1
    head = session.get(AuditHead, 1)
    if head is None:
        return Verdict(False, count, None, "audit head is missing")
    if head.seq != expected - 1 or head.hash != prev:
        if head.seq > expected - 1:
            reason = f"entries {expected}..{head.seq} are missing (deleted from the end)"
        else:
            reason = f"the chain ends at entry {expected - 1} but the head says {head.seq}"
        return Verdict(False, count, expected if head.seq > expected - 1 else head.seq, reason)
    return Verdict(True, count)


@dataclass(frozen=True)
class Usage:
    dataset: str | None
    org_code: str | None
    requests: int
    rows: int
    bytes: int


def usage(*, session: Session, org_code: str | None = None) -> list[Usage]:
    """Requests, rows and bytes per dataset and organisation (for the sharing assessment)."""
    e = AuditEntry.__table__  # type: ignore[attr-defined]
    action = e.c.action
    stmt = (
        select(
            e.c.dataset,
            e.c.org_code,
            func.count(),
            func.coalesce(func.sum(e.c.row_count), 0),
            func.coalesce(func.sum(e.c.bytes), 0),
        )
        .where(action.in_(DATA_ACTIONS))
        .group_by(e.c.dataset, e.c.org_code)
        .order_by(e.c.dataset, e.c.org_code)
    )
    if org_code is not None:
        stmt = stmt.where(e.c.org_code == org_code)
    return [Usage(d, o, int(n), int(r), int(b)) for d, o, n, r, b in session.execute(stmt)]
