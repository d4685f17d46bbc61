"""Where a row is, and the rows that leave a region.

Row scope (the exchange) serves a city the rows located in its regions. A row is located by one
column: a region code itself (``schools.county_adcode``) or the key of a parent row located the
same way (``students.school_code`` → ``schools.code`` → its county; ``aid_payments.xjh`` →
``students.xjh`` → ...). ``LOCATORS`` declares that chain once; the exchange builds its scope
predicates from it and every write path calls the functions below, so a row's location can only
change together with a record of it:

- a row whose own locator changes (a pupil transferring, a school re-assigned to another county)
  moves with its dependents (a school's classes, pupils, staff, tests; a pupil's aid payments);
- every moved row gets a new change version (its own update's, or one reserved for it), so the
  region it arrives in sees it as an upsert;
- for every moved row that left a region, a ``scope_moves`` record (table, row key, old region,
  that version) lets the change feed tell clients of that region to delete it (without telling
  them where it went);
- a parent that appears (a pupil inserted after its aid payments) brings its dependents into
  scope: they get new versions too.

Callers: ``connectors.loader`` (bulk Core writes), the ORM ``before_flush`` hook in
``schemas.versioning``, and the exchange's federation mirror. Each calls ``note_updates`` with
the rows it is about to update (before the UPDATE runs: the old values are read from the table)
and ``note_inserts`` with the rows it inserts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlmodel import SQLModel

from schemas import keysets
from schemas.base import utcnow
from schemas.exchange import ScopeMove
from schemas.versioning import ChangeCounter, allocate_versions

PK = "_pk"  # key of the primary-key value in the row dicts callers pass (the loader's name)
VERSION = "change_version"


@dataclass(frozen=True)
class Locator:
    """``column`` holds a region code, or (``parent`` set) the ``parent_key`` of a parent row."""

    column: str
    parent: str | None = None
    parent_key: str | None = None


def _school(column: str = "school_code") -> Locator:
    return Locator(column, "schools", "code")


LOCATORS: dict[str, Locator] = {
    "schools": Locator("county_adcode"),
    "classes": _school(),
    "class_size_stats": _school(),
    "ict_surveys": _school(),
    "students": _school(),
    "teachers": _school(),
    "health_tests": _school(),
    "aid_payments": Locator("xjh", "students", "xjh"),
    "poor_households": Locator("county_adcode"),
    "graduate_destinations": Locator("employer_adcode"),
}


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _pk(table: Table) -> Any:
    (column,) = table.primary_key.columns
    return column


def dependents(name: str) -> list[tuple[str, Locator]]:
    """Tables located through ``name``'s rows."""
    return [(child, loc) for child, loc in LOCATORS.items() if loc.parent == name]


def in_regions(src: FromClause, name: str, regions: Sequence[str]) -> ColumnElement[bool]:
    """SQL: the rows of ``src`` (table ``name`` or an alias of it) located in ``regions``."""
    loc = LOCATORS[name]
    column = src.c[loc.column]
    if loc.parent is None or loc.parent_key is None:
        return column.in_(list(regions))
    parent = _table(loc.parent)
    inner = select(parent.c[loc.parent_key]).where(in_regions(parent, loc.parent, regions))
    return column.in_(inner)


def resolve(conn: Connection, name: str, values: Iterable[Any]) -> dict[Any, str | None]:
    """Region of each locator value of table ``name`` (None: located nowhere)."""
    given = list(values)
    out: dict[Any, str | None] = dict.fromkeys(given)
    wanted = sorted({v for v in given if v is not None}, key=str)
    loc = LOCATORS[name]
    if loc.parent is None or loc.parent_key is None:
        out.update({v: str(v) for v in wanted})
        return out
    parent = _table(loc.parent)
    own = parent.c[loc.parent_key]
    theirs = parent.c[LOCATORS[loc.parent].column]
    found: dict[Any, Any] = {}
    for chunk in keysets.chunks(wanted):
        rows = conn.execute(select(own, theirs).where(keysets.values_in(conn, own, chunk)))
        found.update((k, v) for k, v in rows)
    regions = resolve(conn, loc.parent, found.values())
    out.update({v: regions[found[v]] for v in wanted if v in found})
    return out


def _record(conn: Connection, name: str, moves: Sequence[tuple[Any, str, int]]) -> None:
    if not moves:
        return
    now = utcnow()
    rows = [
        {"table_name": name, "row_pk": str(pk), "old_region": old, VERSION: v, "moved_at": now}
        for pk, old, v in moves
    ]
    conn.execute(insert(_table(ScopeMove.__tablename__)), rows)


def _cascade(conn: Connection, name: str, key: str, old_region: Mapping[Any, str | None]) -> None:
    """Rows of ``name``'s dependents located through the rows whose ``key`` values are given
    (value → the region those rows left, None if they were nowhere): a new version each, and a
    move record where they left a region; then their own dependents likewise."""
    values = sorted((v for v in old_region if v is not None), key=str)
    if not values:
        return
    for child, loc in dependents(name):
        if loc.parent_key != key:
            continue
        table = _table(child)
        pk = _pk(table)
        keys = child_keys(child)
        cols = [pk, table.c[loc.column], *(table.c[k] for k in keys)]
        rows: list[Any] = []
        for chunk in keysets.chunks(values):
            where = keysets.values_in(conn, table.c[loc.column], chunk)
            rows += conn.execute(select(*cols).where(where)).all()
        if not rows:
            continue
        rows.sort(key=lambda r: str(r[0]))
        versions = allocate_versions(conn, len(rows))
        conn.execute(
            update(table).where(pk == bindparam(PK)).values({VERSION: bindparam("_v")}),
            [{PK: r[0], "_v": v} for r, v in zip(rows, versions, strict=True)],
        )
        left = [(r[0], old_region[r[1]], v) for r, v in zip(rows, versions, strict=True)]
        _record(conn, child, [(pk_, old, v) for pk_, old, v in left if old is not None])
        for i, k in enumerate(keys):
            _cascade(conn, child, k, {r[2 + i]: old_region[r[1]] for r in rows})


def child_keys(name: str) -> list[str]:
    return sorted({loc.parent_key for _, loc in dependents(name) if loc.parent_key})


def note_updates(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Record the moves ``rows`` are about to make: call before their UPDATE runs.

    Each row maps ``_pk`` to the row's primary key, ``change_version`` to its new version and,
    if the update sets it, the locator column to its new value (rows without it stay put).
    """
    loc = LOCATORS.get(table.name)
    if loc is None:
        return
    changing = [r for r in rows if loc.column in r]
    if not changing:
        return
    pk = _pk(table)
    keys = child_keys(table.name)
    old: dict[Any, Any] = {}
    cols = [pk, table.c[loc.column], *(table.c[k] for k in keys)]
    for chunk in keysets.chunks([r[PK] for r in changing]):
        held = conn.execute(select(*cols).where(keysets.values_in(conn, pk, chunk)))
        old.update({r[0]: r[1:] for r in held})
    moved = [(r, old[r[PK]]) for r in changing if r[PK] in old and old[r[PK]][0] != r[loc.column]]
    if not moved:
        return
    before = resolve(conn, table.name, [o[0] for _, o in moved])
    after = resolve(conn, table.name, [r[loc.column] for r, _ in moved])
    left = [(r, o) for r, o in moved if before[o[0]] != after[r[loc.column]]]
    _record(
        conn,
        table.name,
        [(r[PK], region, r[VERSION]) for r, o in left if (region := before[o[0]]) is not None],
    )
    for i, key in enumerate(keys):
        # a key column that the same update changes is a new identity, not a move (not the case
        # for the natural keys the hub updates by)
        _cascade(conn, table.name, key, {o[1 + i]: before[o[0]] for _, o in left})


def note_inserts(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Dependents of newly inserted rows that existed before their parent come into scope."""
    for key in child_keys(table.name):
        _cascade(conn, table.name, key, dict.fromkeys((r[key] for r in rows if key in r), None))


def prune_moves(conn: Connection, before: datetime) -> int:
    """Remove the ``scope_moves`` recorded before ``before``; returns how many.

    The highest change version removed becomes ``change_counter.moves_horizon`` (and now its
    ``moves_pruned_at``): a row-scoped caller that built its copy before now and whose
    change-feed cursor is older would miss the deletions those rows stood for, so the feed
    sends it back to the start instead (``hub.services.exchange.pull``); one that starts from
    0 later never held those rows. Moves are removed by version, up to the newest old one, so
    no move older than a kept one is lost."""
    moves = ScopeMove.__table__  # type: ignore[attr-defined]
    upto = conn.execute(
        select(func.max(moves.c.change_version)).where(moves.c.moved_at < before)
    ).scalar_one_or_none()
    if upto is None:
        return 0
    removed = conn.execute(delete(moves).where(moves.c.change_version <= upto)).rowcount
    counter = ChangeCounter.__table__  # type: ignore[attr-defined]
    conn.execute(
        update(counter)
        .where(counter.c.id == 1, counter.c.moves_horizon < upto)
        .values(moves_horizon=upto, moves_pruned_at=utcnow())
    )
    return int(removed or 0)


def moves_horizon(conn: Connection) -> tuple[int, datetime | None]:
    """The highest change version whose scope moves were pruned (0: none ever were), and when
    that was."""
    counter = ChangeCounter.__table__  # type: ignore[attr-defined]
    found = conn.execute(
        select(counter.c.moves_horizon, counter.c.moves_pruned_at).where(counter.c.id == 1)
    ).first()
    if found is None:
        return 0, None
    when = found[1]
    if when is not None and when.tzinfo is None:  # SQLite gives naive UTC
        when = when.replace(tzinfo=UTC)
    return int(found[0] or 0), when
