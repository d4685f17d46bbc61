"""One change-version sequence for the whole database.

Versions come from a single counter row that a writing transaction increments with
``UPDATE ... RETURNING``. The row lock is held until commit, so concurrent writers are handed
versions in commit order: a reader that has seen version N after commit can never later find a
committed row below N (no skipped rows), and a rolled-back transaction returns its versions (no
gaps). Writers serialise only on that one row, for the rest of their transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from schemas.base import PROVENANCE_FIELDS, Tracked


class ChangeCounter(SQLModel, table=True):
    """The single row (id = 1) whose value is the last change version handed out.

    ``moves_horizon``: the highest change version whose ``scope_moves`` were pruned (see
    ``schemas.scoping.prune_moves``), ``moves_pruned_at`` when: a row-scoped caller whose copy
    was built before then from an older version can no longer learn which rows left its
    regions."""

    __tablename__ = "change_counter"

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    value: int = Field(default=0, sa_type=BigInteger)
    moves_horizon: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    moves_pruned_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


def allocate_versions(conn: Connection, count: int) -> range:
    """Reserve ``count`` consecutive versions inside the caller's transaction."""
    if count <= 0:
        return range(0)
    table = ChangeCounter.__table__  # type: ignore[attr-defined]
    top = conn.execute(
        update(table)
        .where(table.c.id == 1)
        .values(value=table.c.value + count)
        .returning(table.c.value)
    ).scalar_one()
    return range(top - count + 1, top + 1)


def current_version(conn: Connection) -> int:
    table = ChangeCounter.__table__  # type: ignore[attr-defined]
    return int(conn.execute(select(table.c.value).where(table.c.id == 1)).scalar_one_or_none() or 0)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value))


def content_hash(record: Mapping[str, Any], fields: Iterable[str]) -> str:
    """SHA-256 of the business fields: equal content gives an equal hash on any backend."""
    payload = {name: record.get(name) for name in sorted(fields)}
    return hashlib.sha256(orjson.dumps(payload, default=_default)).hexdigest()


def business_fields(model: type[SQLModel]) -> list[str]:
    """Columns that describe the record itself (not its provenance or surrogate key)."""
    table = model.__table__  # type: ignore[attr-defined]
    return [
        c.name
        for c in table.columns
        if c.name not in PROVENANCE_FIELDS
        and not (c.primary_key and c.autoincrement is True)
        and c.name != "id"
    ]


@event.listens_for(Session, "before_flush")
def _stamp_versions(session: Session, _context: Any, _instances: Any) -> None:
    """Give every new or changed tracked object the next versions, whatever code wrote it."""
    touched = [obj for obj in session.new if isinstance(obj, Tracked)]
    touched += [
        obj
        for obj in session.dirty
        if isinstance(obj, Tracked) and session.is_modified(obj, include_collections=False)
    ]
    if not touched:
        return
    conn = session.connection()
    versions = allocate_versions(conn, len(touched))
    for obj, version in zip(touched, versions, strict=True):
        obj.change_version = version
    _note_scope(conn, session)


def _note_scope(conn: Connection, session: Session) -> None:
    """Rows this flush moves to another region, or whose dependents it brings into scope."""
    from schemas import scoping  # scoping reserves versions through this module

    updates: dict[Any, list[dict[str, Any]]] = {}
    for obj in session.dirty:
        table = getattr(type(obj), "__table__", None)
        loc = scoping.LOCATORS.get(getattr(table, "name", ""))
        if loc is None or not isinstance(obj, Tracked):
            continue
        state = inspect(obj)
        if not state.attrs[loc.column].history.has_changes() or state.identity is None:
            continue
        (pk,) = state.identity
        row = {
            scoping.PK: pk,
            loc.column: getattr(obj, loc.column),
            "change_version": obj.change_version,
        }
        updates.setdefault(table, []).append(row)
    for table, rows in updates.items():
        scoping.note_updates(conn, table, rows)
    inserts: dict[Any, list[dict[str, Any]]] = {}
    for obj in session.new:
        table = getattr(type(obj), "__table__", None)
        keys = scoping.child_keys(getattr(table, "name", ""))
        if isinstance(obj, Tracked) and keys:
            inserts.setdefault(table, []).append({k: getattr(obj, k) for k in keys})
    for table, rows in inserts.items():
        scoping.note_inserts(conn, table, rows)
