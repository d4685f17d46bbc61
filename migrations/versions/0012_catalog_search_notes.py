"""catalog: the abstract in catalog_search_text (``notes``), for CKAN ``fq=notes:``.

CKAN's ``notes`` (the package description) is the entry's abstract (信息资源摘要). Search
found it only as part of the whole text (``q``, ``text:``); a harvester or client filtering
on ``notes:`` got a Search Error. The column holds the abstract lower-cased, as the title is
compared (every word of the query must occur in it). Rows of versions published before this
revision are filled in from their entry (``catalog_entries``), lower-cased by Python as the
publisher does (SQLite's ``lower`` folds ASCII only).

Plain ``ALTER TABLE ... ADD/DROP COLUMN`` on SQLite, as in 0009: a batch copy would drop the
FTS5 triggers on the table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 23:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column(
        "catalog_search_text",
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
    )
    entries = sa.table("catalog_entries", sa.column("search_id"), sa.column("entry", sa.JSON()))
    text_rows = sa.table("catalog_search_text", sa.column("search_id"), sa.column("notes"))
    update = (
        sa.update(text_rows)
        .where(text_rows.c.search_id == sa.bindparam("id"))
        .values(notes=sa.bindparam("abstract"))
    )
    pending: list[dict[str, object]] = []
    for search_id, entry in bind.execute(sa.select(entries.c.search_id, entries.c.entry)):
        abstract = str((entry or {}).get("abstract") or "").lower()
        if abstract:
            pending.append({"id": search_id, "abstract": abstract})
        if len(pending) >= BATCH:
            bind.execute(update, pending)
            pending = []
    if pending:
        bind.execute(update, pending)
    if bind.dialect.name == "postgresql":
        op.alter_column("catalog_search_text", "notes", server_default=None)


def downgrade() -> None:
    op.drop_column("catalog_search_text", "notes")
