"""SQL for pulls: authorisation predicates first, the caller's filters grouped after them.

Every value is a bound parameter and every field name is checked against the dataset's
declared fields, so a crafted filter can narrow a result but never widen it: the WHERE clause is
``(scope AND not deleted) AND (user predicates)`` and masked columns are SQL expressions.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    select,
    true,
    tuple_,
)

from hub.errors import Forbidden, Invalid
from hub.services.exchange.access import Plan
from hub.services.exchange.datasets import Dataset, mask_expression
from schemas.exchange import ScopeMove

OPERATORS = ("eq", "in", "gt", "gte", "lt", "lte")
RESERVED = frozenset({"fields", "sort", "cursor", "limit", "since"})
MAX_LIMIT = 10_000
MAX_IN = 500


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    values: tuple[Any, ...]

    def describe(self) -> dict[str, Any]:
        return {"field": self.field, "op": self.op, "values": [str(v) for v in self.values]}


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...]
    filters: tuple[Filter, ...] = ()
    sort: str | None = None
    descending: bool = False
    cursor: tuple[Any, ...] | None = None
    limit: int = 100
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "fields": list(self.fields),
            "filters": [f.describe() for f in self.filters],
            "sort": ("-" if self.descending else "") + (self.sort or ""),
            "limit": self.limit,
        }


def coerce(column: Any, raw: Any) -> Any:
    """Turn a query-string value into the column's Python type, or refuse it."""
    if raw is None:
        return None
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return raw
    try:
        if kind is bool:
            if str(raw).lower() in ("true", "1"):
                return True
            if str(raw).lower() in ("false", "0"):
                return False
            raise ValueError(raw)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is Decimal:
            return Decimal(str(raw))
        if kind is date:
            return date.fromisoformat(str(raw))
        if kind is datetime:
            return datetime.fromisoformat(str(raw))
        return str(raw)
    except (ValueError, InvalidOperation) as exc:
        raise Invalid(f"{raw!r} is not a valid {kind.__name__} for {column.name}") from exc


def parse_query(
    ds: Dataset, plan: Plan, params: Sequence[tuple[str, str]], *, paged: bool = True
) -> Query:
    """Read fields, filters, sort, cursor and limit from query parameters (whitelist only)."""
    fields: tuple[str, ...] = ds.fields
    filters: list[Filter] = []
    sort: str | None = None
    descending = False
    cursor: tuple[Any, ...] | None = None
    limit = 100
    for name, value in params:
        if name == "fields":
            wanted = tuple(f for f in value.split(",") if f)
            unknown = [f for f in wanted if f not in ds.fields]
            if unknown or not wanted:
                raise Invalid(f"unknown field(s) {', '.join(unknown) or '(none)'}")
            fields = wanted
        elif name == "sort":
            descending = value.startswith("-")
            sort = value.lstrip("-")
            if sort not in ds.sortable or sort in plan.masked:
                raise Invalid(
                    f"cannot sort on {sort!r}; sortable: {', '.join(sorted(ds.sortable))}"
                )
        elif name == "cursor":
            cursor = decode_cursor(value)
        elif name == "limit":
            try:
                limit = int(value)
            except ValueError as exc:
                raise Invalid("limit must be an integer") from exc
            if not 1 <= limit <= MAX_LIMIT:
                raise Invalid(f"limit must be between 1 and {MAX_LIMIT}")
        elif name == "since":
            continue
        else:
            filters.append(_filter(ds, plan, name, value))
    if not paged:
        cursor = None
    return Query(fields, tuple(filters), sort, descending, cursor, limit)


def _filter(ds: Dataset, plan: Plan, name: str, value: str) -> Filter:
    base, _, op = name.partition("__")
    op = op or "eq"
    if base not in ds.fields:
        raise Invalid(f"unknown filter field {base!r}")
    if op not in OPERATORS:
        raise Invalid(f"unknown operator {op!r}; use one of {', '.join(OPERATORS)}")
    if base in plan.masked:
        raise Forbidden(f"{base} is a personal field you may not see in clear: no filtering on it")
    column = ds.column(base)
    if op == "in":
        parts = value.split(",")
        if len(parts) > MAX_IN:
            raise Invalid(f"at most {MAX_IN} values in an 'in' filter")
        return Filter(base, op, tuple(coerce(column, p) for p in parts))
    return Filter(base, op, (coerce(column, value),))


def _user_predicate(ds: Dataset, f: Filter) -> ColumnElement[bool]:
    column = ds.column(f.field)
    if f.op == "in":
        return column.in_(list(f.values))
    value = f.values[0]
    return {
        "eq": lambda: column == value,
        "gt": lambda: column > value,
        "gte": lambda: column >= value,
        "lt": lambda: column < value,
        "lte": lambda: column <= value,
    }[f.op]()


def authorisation_predicate(plan: Plan, *, include_deleted: bool = False) -> ColumnElement[bool]:
    """Rows the plan allows; never influenced by the caller's parameters."""
    ds = plan.dataset
    parts: list[ColumnElement[bool]] = []
    if plan.regions is not None:
        if ds.scope is None:
            parts.append(false())
        else:
            parts.append(ds.scope(ds.source, plan.regions))
    if ds.versioned and not include_deleted:
        parts.append(ds.column("is_deleted") == false())
    return and_(true(), *parts)


def output_columns(
    plan: Plan, fields: Sequence[str], *, text_booleans: bool = False
) -> list[ColumnElement[Any]]:
    """Clear or masked column per field; booleans as 'true'/'false' text for CSV if asked
    (SQLite stores 0/1 and PostgreSQL's COPY writes t/f)."""
    ds = plan.dataset
    out = []
    for name in fields:
        column = mask_expression(ds, name) if name in plan.masked else ds.column(name)
        if text_booleans and isinstance(ds.column(name).type, Boolean):
            column = case((column == true(), "true"), (column == false(), "false"), else_=None)
        out.append(column.label(name))
    return out


def key_columns(ds: Dataset, q: Query) -> list[Any]:
    cols = [ds.column(k) for k in ds.key]
    if q.sort and q.sort not in ds.key:
        cols.insert(0, ds.column(q.sort))
    elif q.sort and q.sort in ds.key:
        cols = [ds.column(q.sort)] + [c for c in cols if c.name != q.sort]
    return cols


def select_rows(plan: Plan, q: Query, *, paged: bool, text_booleans: bool = False) -> Select[Any]:
    """SELECT fields (+ hidden keyset columns) WHERE (authorisation) AND (filters)."""
    ds = plan.dataset
    keys = key_columns(ds, q)
    hidden = [c.label(f"__k{i}") for i, c in enumerate(keys)] if paged else []
    user = [_user_predicate(ds, f) for f in q.filters]
    stmt = (
        select(*output_columns(plan, q.fields, text_booleans=text_booleans), *hidden)
        .select_from(ds.source)
        .where(authorisation_predicate(plan))
        .where(and_(true(), *user))
    )
    if q.cursor is not None:
        if len(q.cursor) != len(keys):
            raise Invalid("cursor does not belong to this query")
        values = [coerce(c, v) for c, v in zip(keys, q.cursor, strict=True)]
        tup = tuple_(*keys)
        stmt = stmt.where(tup < tuple_(*values) if q.descending else tup > tuple_(*values))
    order = [c.desc() if q.descending else c.asc() for c in keys]
    stmt = stmt.order_by(*order)
    if paged:
        stmt = stmt.limit(q.limit + 1)
    return stmt


def encode_cursor(values: Sequence[Any]) -> str:
    raw = orjson.dumps(list(values), default=str)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        data = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise Invalid("malformed cursor") from exc
    if not isinstance(data, list):
        raise Invalid("malformed cursor")
    return tuple(data)


def select_changes(plan: Plan, since: int, upto: int, limit: int) -> Select[Any]:
    """Rows changed in (``since``, ``upto``] in version order, deletions included, same
    restriction. ``upto`` is a committed version: every version up to it is visible to this and
    the next statement alike (PostgreSQL reads each statement in a new snapshot)."""
    ds = plan.dataset
    version = ds.column("change_version")
    return (
        select(
            *output_columns(plan, ds.fields),
            *[ds.column(k).label(f"__k{i}") for i, k in enumerate(ds.key)],
            version.label("__version"),
            ds.column("is_deleted").label("__deleted"),
        )
        .where(authorisation_predicate(plan, include_deleted=True))
        .where(version > since, version <= upto)
        .order_by(version)
        .limit(limit)
    )


def select_moved_out(plan: Plan, since: int, upto: int, limit: int) -> Select[Any] | None:
    """Rows that left the plan's regions in (``since``, ``upto``] and are still outside them:
    their key and the version of the move, nothing else (where they went is not the caller's).
    None when the plan has no row scope."""
    ds = plan.dataset
    if plan.regions is None or ds.scope is None or not ds.versioned or len(ds.key) != 1:
        return None
    moves = ScopeMove.__table__  # type: ignore[attr-defined]
    pk = ds.column(ds.key[0])
    row_pk = moves.c.row_pk if isinstance(pk.type, String) else cast(moves.c.row_pk, pk.type)
    still_in = select(pk).where(pk == row_pk, ds.scope(ds.source, plan.regions))
    return (
        select(row_pk.label("__k0"), moves.c.change_version.label("__version"))
        .where(
            moves.c.table_name == ds.source.name,  # type: ignore[attr-defined]
            moves.c.change_version > since,
            moves.c.change_version <= upto,
            moves.c.old_region.in_(list(plan.regions)),
            ~still_in.exists(),
        )
        .order_by(moves.c.change_version)
        .limit(limit)
    )


def split_row(row: Any, fields: Sequence[str]) -> tuple[dict[str, Any], list[Any]]:
    record = {name: row[name] for name in fields}
    keys = [v for k, v in row.items() if k.startswith("__k")]
    return record, keys
