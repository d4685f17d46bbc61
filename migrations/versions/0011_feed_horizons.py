"""exchange: change_counter.moves_horizon / moves_pruned_at (how far and when scope_moves
were pruned), and
sync_bookmarks.resync_from (a mirror replaying a dataset from the start).

``scope_moves`` grew by a row for every row that left a region, forever. A pull now removes
those older than ``EDUHUB_SCOPE_MOVES_KEEP_DAYS`` and records the highest change version it
removed; the change feed answers 410 to a row-scoped caller whose ``since`` is older (or
whose grant changed since its last page). A mirror (``eduhub sync``) told so replays the
dataset from the start and deletes the mirrored rows the replay did not bring again. The feed
reads the client's last audited page of the dataset for that: an index on audit_log
(client_id, dataset, seq).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 17:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("change_counter") as batch:
        batch.add_column(
            sa.Column("moves_horizon", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("moves_pruned_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("sync_bookmarks") as batch:
        batch.add_column(sa.Column("resync_from", sa.BigInteger(), nullable=True))
    op.create_index("ix_audit_log_client_dataset_seq", "audit_log", ["client_id", "dataset", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_client_dataset_seq", table_name="audit_log")
    with op.batch_alter_table("sync_bookmarks") as batch:
        batch.drop_column("resync_from")
    with op.batch_alter_table("change_counter") as batch:
        batch.drop_column("moves_pruned_at")
        batch.drop_column("moves_horizon")
