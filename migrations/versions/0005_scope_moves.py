"""exchange: scope_moves, the rows that left a region, for the change feed's deletions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scope_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("row_pk", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("old_region", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("change_version", sa.BigInteger(), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scope_moves")),
    )
    with op.batch_alter_table("scope_moves", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scope_moves_table_name_change_version",
            ["table_name", "change_version"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("scope_moves", schema=None) as batch_op:
        batch_op.drop_index("ix_scope_moves_table_name_change_version")
    op.drop_table("scope_moves")
