"""Full-text and filtered search over published catalog versions, on SQLite and PostgreSQL.

Chinese has no spaces, so both backends index character trigrams: FTS5's ``trigram`` tokenizer
on SQLite, pg_trgm's GIN index on PostgreSQL. A trigram index cannot look up a one- or
two-character term (学籍, 班额); such terms fall back to ``LIKE`` on the same indexed column,
which both engines answer correctly (by scanning the index or the version's rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, column, func, select, text
from sqlmodel import Session, col

from catalog.tables import FTS_TABLE, CatalogSearchRow

TRIGRAM = 3
SORTS: dict[str, tuple[str, bool]] = {
    "code": ("code", False),
    "code asc": ("code", False),
    "code desc": ("code", True),
    "name": ("name", False),
    "name asc": ("name", False),
    "name desc": ("name", True),
    "id": ("resource_id", False),
    "id asc": ("resource_id", False),
    "id desc": ("resource_id", True),
}


@dataclass(frozen=True)
class Filters:
    """Exact-match filters of the list and search endpoints (None = any)."""

    provider: str | None = None
    classification: str | None = None
    sharing_type: str | None = None
    is_open: bool | None = None
    update_cycle: str | None = None
    format: str | None = None
    resource_ids: tuple[str, ...] | None = None


def terms_of(q: str | None) -> list[str]:
    return [t for t in (q or "").split() if t]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _rowids_in(sql: str) -> ColumnElement[bool]:
    return col(CatalogSearchRow.id).in_(text(sql).columns(column("rowid", Integer)))


def _term_condition(dialect: str, term: str, n: int) -> tuple[ColumnElement[bool], dict[str, Any]]:
    key = f"t{n}"
    if dialect == "sqlite":
        if len(term) >= TRIGRAM:
            phrase = '"' + term.replace('"', '""') + '"'
            sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :{key}"
            return _rowids_in(sql), {key: phrase}
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE search_text LIKE :{key} ESCAPE '\\'"
        return _rowids_in(sql), {key: _like_pattern(term)}
    condition = col(CatalogSearchRow.search_text).ilike(_like_pattern(term), escape="\\")
    return condition, {}


def _conditions(
    dialect: str, version: str, filters: Filters, q: str | None
) -> tuple[list[ColumnElement[bool]], dict[str, Any]]:
    row = CatalogSearchRow
    where: list[ColumnElement[bool]] = [col(row.version) == version]
    if filters.provider:
        where.append(
            (col(row.provider_code) == filters.provider)
            | (col(row.provider_name) == filters.provider)
        )
    if filters.classification:
        where.append(col(row.classification_code).startswith(filters.classification))
    if filters.sharing_type:
        where.append(col(row.sharing_type) == filters.sharing_type)
    if filters.is_open is not None:
        where.append(col(row.is_open) == filters.is_open)
    if filters.update_cycle:
        where.append(col(row.update_cycle) == filters.update_cycle)
    if filters.format:
        where.append(
            (col(row.format_category) == filters.format) | (col(row.format_type) == filters.format)
        )
    if filters.resource_ids is not None:
        where.append(col(row.resource_id).in_(filters.resource_ids))
    params: dict[str, Any] = {}
    for n, term in enumerate(terms_of(q)):
        condition, bind = _term_condition(dialect, term, n)
        where.append(condition)
        params.update(bind)
    return where, params


def search_rows(
    session: Session,
    *,
    version: str,
    filters: Filters,
    q: str | None = None,
    sort: str = "code",
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[CatalogSearchRow]]:
    """(total matches, one page of rows) of ``version``."""
    dialect = session.get_bind().dialect.name
    where, params = _conditions(dialect, version, filters, q)
    count = select(func.count()).select_from(CatalogSearchRow).where(and_(*where))
    total = session.execute(count, params).scalar_one()
    column, descending = SORTS[sort]
    order = getattr(CatalogSearchRow, column)
    page = (
        select(CatalogSearchRow)
        .where(and_(*where))
        .order_by(col(order).desc() if descending else col(order), col(CatalogSearchRow.code))
        .limit(limit)
        .offset(offset)
    )
    rows = list(session.execute(page, params).scalars().all())
    return int(total), rows
