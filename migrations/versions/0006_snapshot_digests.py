"""connectors: snapshot_digests, per-partition row digests of the last loaded snapshot.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "snapshot_digests",
        sa.Column("connector", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("stream", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("partition", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["connector_runs.id"],
            name=op.f("fk_snapshot_digests_run_id_connector_runs"),
        ),
        sa.PrimaryKeyConstraint(
            "connector", "stream", "partition", name=op.f("pk_snapshot_digests")
        ),
    )


def downgrade() -> None:
    op.drop_table("snapshot_digests")
