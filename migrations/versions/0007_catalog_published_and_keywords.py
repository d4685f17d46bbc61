"""catalog: publish date on catalog_search and catalog_search_keywords, for CKAN fq filters.

``fq=metadata_modified:[… TO *]`` (what harvesters send) and ``fq=tags:…`` were answered from
the entries' JSON, parsing every entry of the version; these give them an index. Rows of
versions published before this revision are filled in from catalog_entries.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 09:45:00.000000
"""

import json
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill() -> None:
    conn = op.get_bind()
    keywords = sa.table(
        "catalog_search_keywords", sa.column("search_id", sa.Integer), sa.column("keyword")
    )
    search = sa.table("catalog_search", sa.column("id", sa.Integer), sa.column("published"))
    for search_id, raw in conn.execute(sa.text("SELECT search_id, entry FROM catalog_entries")):
        entry = json.loads(raw) if isinstance(raw, str | bytes) else raw
        published = date.fromisoformat(entry["published"])
        conn.execute(search.update().where(search.c.id == search_id).values(published=published))
        words = list(dict.fromkeys(entry.get("keywords", [])))
        if words:
            conn.execute(keywords.insert(), [{"search_id": search_id, "keyword": w} for w in words])


def upgrade() -> None:
    op.create_table(
        "catalog_search_keywords",
        sa.Column("keyword", sa.Text(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["catalog_search.id"],
            name=op.f("fk_catalog_search_keywords_search_id_catalog_search"),
        ),
        sa.PrimaryKeyConstraint("keyword", "search_id", name=op.f("pk_catalog_search_keywords")),
    )
    # NOT NULL needs a value for existing rows: a placeholder default, replaced right away.
    op.add_column(
        "catalog_search",
        sa.Column("published", sa.Date(), nullable=False, server_default="1970-01-01"),
    )
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("catalog_search", "published", server_default=None)
    op.create_index(
        op.f("ix_catalog_search_published"), "catalog_search", ["published"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_catalog_search_published"), table_name="catalog_search")
    # plain ALTER TABLE (SQLite >= 3.35): a batch copy of catalog_search would break the
    # foreign keys that point at it
    op.drop_column("catalog_search", "published")
    op.drop_table("catalog_search_keywords")
