"""One person across sources: matched on 全国学籍号 or on the keyed hash of the ID number.

Clear ID numbers never leave this module: a checked number becomes its HMAC (to match) and its
mask (to show). The key is passed in by the caller (the hub's settings), never read here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from connectors.streams import BatchCheck, Context, Reject
from schemas import keysets, rules
from schemas.identifiers import check_id_number, id_hash, mask_id
from schemas.people import Student


def person_hash(value: Any, key: bytes, *, today: date | None = None) -> tuple[str, str]:
    """(keyed hash, mask) of a valid ID number; Reject with the identifier rule otherwise."""
    check = check_id_number(value, today=today)
    if not check.ok or check.value is None:
        raise Reject(check.rule or "id_number.format", check.message or "")
    return id_hash(check.value, key), mask_id(check.value)


def known_students(conn: Connection, xjhs: Iterable[str]) -> set[str]:
    """Which of these 学籍号 the hub's student registry holds (deleted pupils included)."""
    wanted = sorted(set(xjhs))
    found: set[str] = set()
    col = Student.__table__.c.xjh  # type: ignore[attr-defined]
    for chunk in keysets.chunks(wanted):
        found.update(conn.execute(select(col).where(keysets.values_in(conn, col, chunk))).scalars())
    return found


def students_by_hash(conn: Connection, hashes: Iterable[str]) -> dict[str, str]:
    """ID hash → 学籍号 for pupils the registry holds: how another source's person is matched."""
    wanted = sorted(set(hashes))
    table = Student.__table__  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    for chunk in keysets.chunks(wanted):
        where = keysets.values_in(conn, table.c.id_hash, chunk)
        out.update(
            (h, x) for h, x in conn.execute(select(table.c.id_hash, table.c.xjh).where(where))
        )
    return out


def require_known_student(column: str = "xjh", source_field: str = "xjh") -> BatchCheck:
    """Batch check: a record about a pupil must name one the registry holds."""

    def check(conn: Connection, rows: list[dict[str, Any]], ctx: Context) -> dict[int, Reject]:
        known = known_students(conn, (r[column] for r in rows))
        return {
            i: Reject(
                rules.STUDENT_UNKNOWN,
                f"{rules.message(rules.STUDENT_UNKNOWN)}: {r[column]}",
                field=source_field,
            )
            for i, r in enumerate(rows)
            if r[column] not in known
        }

    return check
