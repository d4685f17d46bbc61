"""exchange: organisations, API clients, hash-chained audit log, share requests, grants, sync bookmarks.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-29 05:47:05.632974
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # The chain's tip starts at the genesis hash; appends lock and advance this one row.
    op.bulk_insert(audit_head, [{"id": 1, "seq": 0, "hash": "0" * 64}])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("org_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("dataset", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_dataset"), ["dataset"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_org_code"), ["org_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_request_id"), ["request_id"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("parent", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("government", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_organisations")),
    )
    op.create_table(
        "sync_bookmarks",
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("dataset", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("since", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "dataset", name=op.f("pk_sync_bookmarks")),
    )
    op.create_table(
        "api_clients",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("org_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("scopes", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_code"], ["organisations.code"], name=op.f("fk_api_clients_org_code_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
    )
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_clients_org_code"), ["org_code"], unique=False)

    op.create_table(
        "share_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("requester", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider"],
            ["organisations.code"],
            name=op.f("fk_share_requests_provider_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["requester"],
            ["organisations.code"],
            name=op.f("fk_share_requests_requester_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_requests")),
    )
    with op.batch_alter_table("share_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_requests_dataset"), ["dataset"], unique=False)
        batch_op.create_index(batch_op.f("ix_share_requests_provider"), ["provider"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_share_requests_requester"), ["requester"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_share_requests_status"), ["status"], unique=False)

    op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("dataset", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("org_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("row_scope", sa.JSON(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_code"], ["organisations.code"], name=op.f("fk_grants_org_code_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["share_requests.id"], name=op.f("fk_grants_request_id_share_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
    )
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grants_dataset"), ["dataset"], unique=False)
        batch_op.create_index(batch_op.f("ix_grants_org_code"), ["org_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_grants_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grants_request_id"))
        batch_op.drop_index(batch_op.f("ix_grants_org_code"))
        batch_op.drop_index(batch_op.f("ix_grants_dataset"))

    op.drop_table("grants")
    with op.batch_alter_table("share_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_requests_status"))
        batch_op.drop_index(batch_op.f("ix_share_requests_requester"))
        batch_op.drop_index(batch_op.f("ix_share_requests_provider"))
        batch_op.drop_index(batch_op.f("ix_share_requests_dataset"))

    op.drop_table("share_requests")
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_clients_org_code"))

    op.drop_table("api_clients")
    op.drop_table("sync_bookmarks")
    op.drop_table("organisations")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_request_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_org_code"))
        batch_op.drop_index(batch_op.f("ix_audit_log_dataset"))
        batch_op.drop_index(batch_op.f("ix_audit_log_client_id"))

    op.drop_table("audit_log")
    op.drop_table("audit_head")
