"""Published catalog versions (frozen JSON snapshots) and the search index over them.

The full-text side of search is not in this metadata: migration 0002 adds FTS5 tables over
``catalog_search_text`` (trigrams of ``search_text``, word tokens of ``search_bigrams``) on
SQLite, and on PostgreSQL a pg_trgm GIN index and a GIN index over a generated text[] column
``bigrams = string_to_array(search_bigrams, ' ')``; the ORM maps none of them.
``is_search_engine_object`` tells Alembic to leave those alone when it compares schemas.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

import schemas  # noqa: F401 - the shared metadata and its naming convention come first
from schemas.base import utcnow

FTS_TABLE = "catalog_search_fts"
BIGRAM_FTS_TABLE = "catalog_search_fts_bigram"
TRGM_INDEX = "ix_catalog_search_text_trgm"
BIGRAM_INDEX = "ix_catalog_search_bigrams_gin"
BIGRAM_ARRAY = "bigrams"


class CatalogVersion(SQLModel, table=True):
    """One published version: the entries exactly as they were, never edited afterwards."""

    __tablename__ = "catalog_versions"

    version: str = Field(primary_key=True, max_length=10, description="major.minor, e.g. 1.0")
    published_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    entry_count: int
    digest: str = Field(max_length=64, description="sha256 of the snapshot")
    note: str = Field(default="", max_length=400)
    snapshot: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class CatalogSearchRow(SQLModel, table=True):
    """One resource of one version, flattened for filtering and full-text search."""

    __tablename__ = "catalog_search"
    __table_args__ = (
        UniqueConstraint("version", "code"),
        UniqueConstraint("version", "resource_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(foreign_key="catalog_versions.version", max_length=10, index=True)
    code: str = Field(max_length=30)
    resource_id: str = Field(max_length=60)
    name: str = Field(max_length=200)
    provider_code: str = Field(max_length=30, index=True)
    provider_name: str = Field(max_length=100)
    classification_code: str = Field(max_length=8, index=True)
    sharing_type: str = Field(max_length=10)
    is_open: bool
    update_cycle: str = Field(max_length=10)
    format_category: str = Field(max_length=10)
    format_type: str = Field(max_length=60)
    published: date = Field(index=True, description="发布日期 (CKAN metadata_modified)")


class CatalogSearchKeyword(SQLModel, table=True):
    """One keyword of one search row, for exact tag filters (CKAN ``fq=tags:…``); keyword
    first in the primary key, so a tag's rows are read from the index alone."""

    __tablename__ = "catalog_search_keywords"

    keyword: str = Field(sa_type=Text, primary_key=True)
    search_id: int = Field(foreign_key="catalog_search.id", primary_key=True)


class CatalogSearchText(SQLModel, table=True):
    """What full-text search reads, apart from the narrow filter columns so filters scan fast.

    ``version`` and the sort columns repeat those of the search row (migration 0009), so that
    a search by text alone counts and orders its matches here, without joining each match to
    ``catalog_search``; rows are written once, at publish, and never updated.
    """

    __tablename__ = "catalog_search_text"

    search_id: int = Field(foreign_key="catalog_search.id", primary_key=True)
    search_text: str = Field(sa_type=Text, description="lower-cased names, abstract, items")
    search_bigrams: str = Field(
        sa_type=Text, description="distinct two-character words of search_text, space-separated"
    )
    version: str = Field(max_length=10, description="catalog_search.version")
    code: str = Field(max_length=30, description="catalog_search.code")
    resource_id: str = Field(max_length=60, description="catalog_search.resource_id")
    name: str = Field(max_length=200, description="catalog_search.name")
    published: date = Field(description="catalog_search.published")
    notes: str = Field(
        default="", sa_type=Text, description="the abstract, lower-cased (CKAN notes, fq notes:)"
    )


class CatalogEntryRow(SQLModel, table=True):
    """The full entry of one search row, kept apart so that search scans stay narrow."""

    __tablename__ = "catalog_entries"

    search_id: int = Field(foreign_key="catalog_search.id", primary_key=True)
    entry: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


def is_search_engine_object(name: str | None, type_: str) -> bool:
    """True for the FTS5 tables, indexes and column the migration owns outside the ORM."""
    if name is None:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
    if type_ == "column":
        return name == BIGRAM_ARRAY
    return type_ == "index" and name in (TRGM_INDEX, BIGRAM_INDEX)
