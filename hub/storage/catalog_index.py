"""Full-text and filtered search over published catalog versions, on SQLite and PostgreSQL.

Chinese has no spaces, so words are found as substrings, through two indexes per backend:

- terms of three or more characters: character trigrams (FTS5 ``trigram`` tokenizer on SQLite;
  on PostgreSQL a pg_trgm GIN index, plus the bigram prefilter below because pg_trgm's index is
  not chosen for common words);
- two-character terms (学籍, 班额), which a trigram index cannot look up: ``search_bigrams``
  lists every distinct pair of adjacent letters/digits of the text as a word, indexed as whole
  tokens (FTS5 ``unicode61`` on SQLite; on PostgreSQL a GIN index over the generated text[]
  column ``bigrams``, queried with ``@>``).

Anything else (one character, punctuation) falls back to ``LIKE`` on ``search_text``. Every
term must match; ``LIKE`` confirms prefiltered candidates, so results are exact substrings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, column, func, select, text
from sqlmodel import Session, col

from catalog.tables import (
    BIGRAM_ARRAY,
    BIGRAM_FTS_TABLE,
    FTS_TABLE,
    CatalogSearchRow,
    CatalogSearchText,
)

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
    return [t.lower() for t in (q or "").split() if t]


def bigrams_of(text_: str) -> list[str]:
    """Distinct adjacent letter/digit pairs, lower-cased, in order of first appearance."""
    low = text_.lower()
    seen = dict.fromkeys(
        low[i : i + 2] for i in range(len(low) - 1) if low[i].isalnum() and low[i + 1].isalnum()
    )
    return list(seen)


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _rowids_in(sql: str) -> ColumnElement[bool]:
    return col(CatalogSearchRow.id).in_(text(sql).columns(column("rowid", Integer)))


def _like(term: str) -> ColumnElement[bool]:
    return col(CatalogSearchText.search_text).like(_like_pattern(term), escape="\\")


def _text_rows(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    ids = select(col(CatalogSearchText.search_id)).where(condition)
    return col(CatalogSearchRow.id).in_(ids)


def _term_condition(dialect: str, term: str, n: int) -> tuple[ColumnElement[bool], dict[str, Any]]:
    """One term as a condition on catalog_search rows (exact substring semantics)."""
    key = f"t{n}"
    grams = bigrams_of(term)
    if dialect == "sqlite":
        if len(term) >= TRIGRAM:
            phrase = '"' + term.replace('"', '""') + '"'
            sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :{key}"
            return _rowids_in(sql), {key: phrase}
        if grams == [term]:
            sql = f"SELECT rowid FROM {BIGRAM_FTS_TABLE} WHERE {BIGRAM_FTS_TABLE} MATCH :{key}"
            return _rowids_in(sql), {key: f'"{term}"'}
        return _text_rows(_like(term)), {}
    if not grams:
        return _text_rows(_like(term)), {}
    contains = text(f"{BIGRAM_ARRAY} @> string_to_array(:{key}, ' ')")
    params = {key: " ".join(grams)}
    if grams == [term]:
        return _text_rows(contains), params  # type: ignore[arg-type]
    return _text_rows(and_(contains, _like(term))), params


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
    """(total matches, one page of rows) of ``version``.

    SQLite counts, then walks the code index until the page is full (cheap either way). On
    PostgreSQL a text search computes its candidate set once, with the total as a window count,
    rather than twice (count, then page).
    """
    dialect = session.get_bind().dialect.name
    where, params = _conditions(dialect, version, filters, q)
    column_, descending = SORTS[sort]
    order = col(getattr(CatalogSearchRow, column_))
    ordering = (order.desc() if descending else order, col(CatalogSearchRow.code))
    if dialect == "postgresql" and terms_of(q) and limit > 0:
        windowed = (
            select(CatalogSearchRow, func.count().over().label("total"))
            .where(and_(*where))
            .order_by(*ordering)
            .limit(limit)
            .offset(offset)
        )
        found = session.execute(windowed, params).all()
        if found or offset == 0:
            return (int(found[0][1]) if found else 0), [r[0] for r in found]
    count = select(func.count()).select_from(CatalogSearchRow).where(and_(*where))
    total = int(session.execute(count, params).scalar_one())
    if total == 0 or limit == 0:
        return total, []
    page = (
        select(CatalogSearchRow).where(and_(*where)).order_by(*ordering).limit(limit).offset(offset)
    )
    return total, list(session.execute(page, params).scalars().all())


def refresh_statistics(session: Session) -> None:
    """Give PostgreSQL's planner fresh statistics after a bulk publish (it would otherwise
    guess, and may scan every row instead of using the GIN indexes)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE catalog_search, catalog_search_text"))
