"""unified tables: no index on source_system and run_id, which no query reads.

Every tracked table carried B-tree indexes on its provenance columns ``source_system`` (one
value per table in practice) and ``run_id`` (rewritten by every update). Nothing selects by
them: scopes, the change feed and identity use natural keys, ``change_version``, school codes
and ID hashes. Each cost every insert about 3 µs on SQLite (of ~17 µs for a registry row with
all its indexes) and every update an index delete and insert. The foreign key on ``run_id``
stays.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 12:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "schools",
    "classes",
    "class_size_stats",
    "ict_surveys",
    "students",
    "teachers",
    "aid_payments",
    "poor_households",
    "health_tests",
    "graduate_destinations",
)
COLUMNS = ("source_system", "run_id")


def upgrade() -> None:
    for table in TABLES:
        for column in COLUMNS:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)


def downgrade() -> None:
    for table in TABLES:
        for column in COLUMNS:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
