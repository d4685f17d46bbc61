"""Full-text and filtered search over published catalog versions, on SQLite and PostgreSQL.

Chinese has no spaces, so words are found as substrings, through two indexes per backend:

- terms of three or more characters: character trigrams (FTS5 ``trigram`` tokenizer on SQLite;
  on PostgreSQL the bigram index below plus ``LIKE``, since the planner does not pick the
  pg_trgm GIN index for common words);
- two-character terms (学籍, 班额), which a trigram index cannot look up: ``search_bigrams``
  lists every distinct pair of adjacent letters/digits of the text as a word, indexed as whole
  tokens (FTS5 ``unicode61`` on SQLite; on PostgreSQL a GIN index over the generated text[]
  column ``bigrams``, queried with ``@>``).

Anything else (one character, punctuation) falls back to ``LIKE`` on ``search_text``. Every
term must match; ``LIKE`` confirms prefiltered candidates, so results are exact substrings.

All terms of one search go to the index together (one ``@>`` holding the bigrams of every term
on PostgreSQL; on SQLite one trigram ``MATCH`` for the longer terms and one bigram ``MATCH``
for the two-letter ones, intersected). One lookup per term made each extra term a per-row
probe of the text table: with a common word such as 教育 (in 97% of the rows) that doubled the
time of a two-word search (EXPLAIN ANALYZE in docs/catalog.md).

On PostgreSQL a search by text alone (no filter) counts and orders its matches in
``catalog_search_text``, which repeats the version and sort columns of each search row, and reads
only the page's rows from ``catalog_search``: joining every match of a broad word (学籍, 2,857
of 10,000 rows) to its search row by primary key took most of the query's time.

Besides the plain filters of the native API, ``Filters.condition`` takes a boolean tree of
:data:`Condition` nodes (the CKAN ``fq`` parameter is translated into one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    column,
    false,
    func,
    not_,
    or_,
    select,
    text,
    true,
    type_coerce,
)
from sqlalchemy import table as sql_table
from sqlmodel import Session, col

from catalog.tables import (
    BIGRAM_ARRAY,
    BIGRAM_FTS_TABLE,
    FTS_TABLE,
    CatalogSearchKeyword,
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
    "published": ("published", False),
    "published asc": ("published", False),
    "published desc": ("published", True),
}
# Columns of catalog_search that Equals / StartsWith may name.
COLUMNS = frozenset(
    {
        "code",
        "resource_id",
        "provider_code",
        "classification_code",
        "sharing_type",
        "is_open",
        "update_cycle",
        "format_category",
        "format_type",
    }
)


@dataclass(frozen=True)
class Equals:
    """``column`` (one of :data:`COLUMNS`) equals ``value``."""

    column: str
    value: str | bool


@dataclass(frozen=True)
class StartsWith:
    column: str
    prefix: str


@dataclass(frozen=True)
class HasKeyword:
    """One of the entry's keywords is exactly ``keyword``."""

    keyword: str


@dataclass(frozen=True)
class PublishedBetween:
    """The publish date lies within ``first``..``last`` (both inclusive; None = open)."""

    first: date | None = None
    last: date | None = None


@dataclass(frozen=True)
class Contains:
    """Every whitespace-separated term of ``q`` occurs in the searchable text."""

    q: str


@dataclass(frozen=True)
class TitleContains:
    """Every whitespace-separated term of ``q`` occurs in the title (case folded)."""

    q: str


@dataclass(frozen=True)
class NotesContains:
    """Every whitespace-separated term of ``q`` occurs in the abstract (case folded)."""

    q: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Negated:
    part: Condition


Condition = (
    Equals
    | StartsWith
    | HasKeyword
    | PublishedBetween
    | Contains
    | TitleContains
    | NotesContains
    | AllOf
    | AnyOf
    | Negated
)


@dataclass(frozen=True)
class Filters:
    """Exact-match filters of the list and search endpoints (None = any), and a condition tree."""

    provider: str | None = None
    classification: str | None = None
    sharing_type: str | None = None
    is_open: bool | None = None
    update_cycle: str | None = None
    format: str | None = None
    condition: Condition | None = None


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


def _like(term: str) -> ColumnElement[bool]:
    return col(CatalogSearchText.search_text).like(_like_pattern(term), escape="\\")


def _param(name: str, value: Any) -> Any:
    return bindparam(name, value=value, unique=True)


def _fts_match(name: str, phrases: list[str]) -> tuple[Any, Any]:
    """(FTS5 table, its MATCH of every phrase): one MATCH, FTS5 intersects the doclists."""
    query = " AND ".join('"' + p.replace('"', '""') + '"' for p in phrases)
    fts = sql_table(name, column("rowid", Integer))
    return fts, text(f"{name} MATCH :match").bindparams(_param("match", query))


def _sqlite_text(terms: list[str]) -> ColumnElement[bool]:
    """Terms of 3+ characters in one trigram MATCH, two-letter terms in one bigram MATCH (both
    exact), the two intersected (cheaper than confirming the short terms with LIKE, or an IN
    per table); other terms confirm with LIKE on the candidates' text."""
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    pairs = [t for t in terms if len(t) < TRIGRAM and bigrams_of(t) == [t]]
    rest = [_like(t) for t in terms if t not in long_terms and t not in pairs]
    matches = []
    for name, phrases in ((FTS_TABLE, long_terms), (BIGRAM_FTS_TABLE, pairs)):
        if phrases:
            fts, match = _fts_match(name, phrases)
            matches.append(select(fts.c.rowid).where(match))
    search_id = col(CatalogSearchText.search_id)
    if not matches:
        return col(CatalogSearchRow.id).in_(select(search_id).where(and_(*rest)))
    found: Any = matches[0] if len(matches) == 1 else matches[0].intersect(matches[1])
    if rest:
        found = select(search_id).where(search_id.in_(found), *rest)
    return col(CatalogSearchRow.id).in_(found)


def _postgresql_text_where(terms: list[str]) -> list[ColumnElement[bool]]:
    """One GIN lookup for the bigrams of every term, LIKE for terms longer than a bigram
    (conditions on catalog_search_text)."""
    grams = list(dict.fromkeys(g for t in terms for g in bigrams_of(t)))
    where: list[ColumnElement[bool]] = []
    if grams:
        contains = f"{BIGRAM_ARRAY} @> string_to_array(:grams, ' ')"
        where.append(text(contains).bindparams(_param("grams", " ".join(grams))))  # type: ignore[arg-type]
    where.extend(_like(t) for t in terms if bigrams_of(t) != [t])
    return where


def _postgresql_text(terms: list[str]) -> ColumnElement[bool]:
    rows = select(col(CatalogSearchText.search_id)).where(and_(*_postgresql_text_where(terms)))
    return col(CatalogSearchRow.id).in_(rows)


def _text_condition(dialect: str, q: str) -> ColumnElement[bool]:
    terms = list(dict.fromkeys(terms_of(q)))
    if not terms:
        return true()
    if dialect == "sqlite":
        return _sqlite_text(terms)
    return _postgresql_text(terms)


def _keyword_condition(dialect: str, keyword: str) -> ColumnElement[bool]:
    """Rows with the exact keyword. PostgreSQL gets the ids as an array first: with ``IN`` it
    walked every row of the version in code order, probing the keywords for each (20 ms at
    10,000 entries, against 2-7 ms)."""
    if dialect == "postgresql":
        sql = (
            "(catalog_search.id = ANY(ARRAY("
            "SELECT search_id FROM catalog_search_keywords WHERE keyword = :keyword)))"
        )
        return type_coerce(text(sql).bindparams(_param("keyword", keyword)), Boolean)
    rows = select(col(CatalogSearchKeyword.search_id)).where(
        col(CatalogSearchKeyword.keyword) == keyword
    )
    return col(CatalogSearchRow.id).in_(rows)


def _published_condition(first: date | None, last: date | None) -> ColumnElement[bool]:
    published = col(CatalogSearchRow.published)
    return and_(
        true(),
        *([] if first is None else [published >= first]),
        *([] if last is None else [published <= last]),
    )


def _column(name: str) -> Any:
    if name not in COLUMNS:
        raise ValueError(f"catalog_search has no filter column {name!r}")
    return col(getattr(CatalogSearchRow, name))


def compile_condition(dialect: str, node: Condition) -> ColumnElement[bool]:
    """SQL for a condition tree, over catalog_search rows."""
    match node:
        case Equals(name, value):
            return _column(name) == value
        case StartsWith(name, prefix):
            return _column(name).startswith(prefix, autoescape=True)
        case HasKeyword(keyword):
            return _keyword_condition(dialect, keyword)
        case PublishedBetween(first, last):
            return _published_condition(first, last)
        case Contains(q):
            return _text_condition(dialect, q)
        case TitleContains(q):
            title = func.lower(col(CatalogSearchRow.name))
            terms = [_like_pattern(t.lower()) for t in dict.fromkeys(terms_of(q))]
            return and_(true(), *(title.like(t, escape="\\") for t in terms))
        case NotesContains(q):
            notes = col(CatalogSearchText.notes)
            terms = [_like_pattern(t.lower()) for t in dict.fromkeys(terms_of(q))]
            rows = select(col(CatalogSearchText.search_id)).where(
                true(), *(notes.like(t, escape="\\") for t in terms)
            )
            return col(CatalogSearchRow.id).in_(rows)
        case AllOf(parts):
            return and_(true(), *(compile_condition(dialect, p) for p in parts))
        case AnyOf(parts):
            return or_(false(), *(compile_condition(dialect, p) for p in parts))
        case Negated(part):
            return not_(compile_condition(dialect, part))
    raise TypeError(f"not a catalog search condition: {node!r}")


def _conditions(
    dialect: str, version: str, filters: Filters, q: str | None
) -> list[ColumnElement[bool]]:
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
    if filters.condition is not None:
        where.append(compile_condition(dialect, filters.condition))
    if terms_of(q):
        where.append(_text_condition(dialect, q or ""))
    return where


def _ordering(table: type[CatalogSearchRow] | type[CatalogSearchText], sort: str) -> Any:
    """ORDER BY of ``sort`` (a key of :data:`SORTS`) over either table, code breaking ties."""
    column_, descending = SORTS[sort]
    order = col(getattr(table, column_))
    return (order.desc() if descending else order, col(table.code))


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
    rather than twice (count, then page); by text alone, on the text table only.
    """
    dialect = session.get_bind().dialect.name
    where = _conditions(dialect, version, filters, q)
    ordering = _ordering(CatalogSearchRow, sort)
    if dialect == "postgresql" and _searches_text(filters, q) and limit > 0:
        if _text_only(filters, q):
            windowed = _text_page(version, q or "", sort, limit, offset)
        else:
            windowed = (
                select(CatalogSearchRow, func.count().over().label("total"))
                .where(and_(*where))
                .order_by(*ordering)
                .limit(limit)
                .offset(offset)
            )
        found = session.execute(windowed).all()
        if found or offset == 0:
            return (int(found[0][1]) if found else 0), [r[0] for r in found]
    count = select(func.count()).select_from(CatalogSearchRow).where(and_(*where))
    total = int(session.execute(count).scalar_one())
    if total == 0 or limit == 0:
        return total, []
    page = (
        select(CatalogSearchRow).where(and_(*where)).order_by(*ordering).limit(limit).offset(offset)
    )
    return total, list(session.execute(page).scalars().all())


def _text_page(
    version: str, q: str, sort: str, limit: int, offset: int
) -> Select[CatalogSearchRow, int]:
    """(search row, total) of one page of a PostgreSQL search by text alone: the matches are
    counted (window count) and ordered in catalog_search_text, and only the page is joined to
    catalog_search (one primary-key probe per row of the page, not per match)."""
    text_ = CatalogSearchText
    terms = list(dict.fromkeys(terms_of(q)))
    page = (
        select(col(text_.search_id), func.count().over().label("total"))
        .where(col(text_.version) == version, *_postgresql_text_where(terms))
        .order_by(*_ordering(text_, sort))
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    return (
        select(CatalogSearchRow, page.c.total)
        .join(page, col(CatalogSearchRow.id) == page.c.search_id)
        .order_by(*_ordering(CatalogSearchRow, sort))
    )


def refresh_statistics(session: Session) -> None:
    """Give PostgreSQL's planner fresh statistics after a bulk publish (it would otherwise
    guess, and may scan every row instead of using the GIN indexes)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("ANALYZE catalog_search, catalog_search_text, catalog_search_keywords")
        )


def _searches_text(filters: Filters, q: str | None) -> bool:
    """Whether the rows come from a text or keyword lookup (few, found by an index) rather
    than from column filters alone (walking the code index finds a page sooner)."""
    return bool(terms_of(q)) or (filters.condition is not None and _looks_up(filters.condition))


def _text_only(filters: Filters, q: str | None) -> bool:
    """A search by words and nothing else: the text table alone can count and order it."""
    return filters == Filters() and bool(terms_of(q))


def _looks_up(node: Condition) -> bool:
    match node:
        case Contains() | HasKeyword():
            return True
        case AllOf(parts) | AnyOf(parts):
            return any(_looks_up(p) for p in parts)
        case Negated(part):
            return _looks_up(part)
    return False


def resource_codes(session: Session, *, version: str) -> list[str]:
    """Every resource code of a version (for CKAN package ids, UUIDs of the codes)."""
    query = select(col(CatalogSearchRow.code)).where(col(CatalogSearchRow.version) == version)
    return [str(c) for c in session.execute(query).scalars().all()]


def provider_codes(session: Session, *, version: str) -> list[str]:
    """The distinct provider codes of a version (a handful: for CKAN organization ids)."""
    query = (
        select(col(CatalogSearchRow.provider_code))
        .where(col(CatalogSearchRow.version) == version)
        .distinct()
    )
    return [str(c) for c in session.execute(query).scalars().all()]
