"""Exchange tables: who may pull (organisations, clients), what they were granted, what left.

Organisations are keyed by their region's adcode (the province department is 320000, a city
bureau its city code). Secrets are stored only as salted scrypt hashes. The audit log is
append-only and hash-chained; ``audit_head`` is its one-row tip, whose row lock serialises
appends exactly as ``change_counter`` serialises versions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, Text
from sqlmodel import Field, SQLModel

from schemas.base import utcnow


class Organisation(SQLModel, table=True):
    """A government body that may hold clients: the province department or a city bureau."""

    __tablename__ = "organisations"

    code: str = Field(primary_key=True, max_length=6, description="adcode of its region")
    name: str = Field(max_length=100)
    level: str = Field(max_length=10, description="province | city | county")
    parent: str | None = Field(default=None, max_length=6)
    government: bool = Field(default=True, description="may pull 无条件共享 resources")


class ApiClient(SQLModel, table=True):
    """An OAuth2 client (client-credentials grant) of one organisation."""

    __tablename__ = "api_clients"

    id: str = Field(primary_key=True, max_length=40)
    org_code: str = Field(foreign_key="organisations.code", max_length=6, index=True)
    name: str = Field(max_length=100)
    secret_hash: str = Field(max_length=200, description="scrypt$n$r$p$salt$hash")
    scopes: str = Field(default="datasets:read", max_length=200, description="space-separated")
    revoked: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    rotated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AuditHead(SQLModel, table=True):
    """Tip of the audit chain (id = 1): last sequence number and its hash."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    seq: int = Field(default=0, sa_type=BigInteger)
    hash: str = Field(default="", max_length=64)


class AuditEntry(SQLModel, table=True):
    """One data response (or export start/finish). ``hash`` covers every column and prev_hash."""

    __tablename__ = "audit_log"
    # A client's latest page of a dataset's feed, read by every change-feed request.
    __table_args__ = (Index("ix_audit_log_client_dataset_seq", "client_id", "dataset", "seq"),)

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    request_id: str = Field(max_length=40, index=True)
    action: str = Field(max_length=40)
    client_id: str | None = Field(default=None, max_length=40, index=True)
    org_code: str | None = Field(default=None, max_length=6, index=True)
    dataset: str | None = Field(default=None, max_length=30, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    row_count: int | None = None
    bytes: int | None = Field(default=None, sa_type=BigInteger)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class ShareRequest(SQLModel, table=True):
    """有条件共享 request: the provider answers within 10 working days, refusals with reasons."""

    __tablename__ = "share_requests"

    id: int | None = Field(default=None, primary_key=True)
    dataset: str = Field(max_length=30, index=True, description="resource code")
    requester: str = Field(foreign_key="organisations.code", max_length=6, index=True)
    provider: str = Field(foreign_key="organisations.code", max_length=6, index=True)
    purpose: str = Field(sa_type=Text)
    legal_basis: str = Field(sa_type=Text)
    fields: list[str] = Field(default_factory=list, sa_type=JSON)
    period_start: date
    period_end: date
    status: str = Field(default="pending", max_length=10, index=True)
    reason: str | None = Field(default=None, sa_type=Text)
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    due_on: date = Field(description="decision deadline: 10 working days after submission")
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Grant(SQLModel, table=True):
    """What an approval allows: personal fields in clear, the regions of rows, until when."""

    __tablename__ = "grants"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="share_requests.id", index=True)
    dataset: str = Field(max_length=30, index=True)
    org_code: str = Field(foreign_key="organisations.code", max_length=6, index=True)
    fields: list[str] = Field(default_factory=list, sa_type=JSON, description="unmasked")
    row_scope: list[str] = Field(default_factory=list, sa_type=JSON, description="adcodes")
    expires_on: date
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class SyncBookmark(SQLModel, table=True):
    """Federation: the next change version to ask a remote hub for, per dataset.

    ``resync_from``: set while the dataset is mirrored again from the start (the remote
    refused the old cursor): the local change version before it began; mirrored rows the
    replay did not touch (still at or below it) are deleted when it ends."""

    __tablename__ = "sync_bookmarks"

    source: str = Field(primary_key=True, max_length=200)
    dataset: str = Field(primary_key=True, max_length=30)
    since: int = Field(default=0, sa_type=BigInteger)
    resync_from: int | None = Field(default=None, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ScopeMove(SQLModel, table=True):
    """A row that left a region (see ``schemas.scoping``): the change feed turns it into a
    deletion for clients whose row scope holds ``old_region`` and no longer holds the row."""

    __tablename__ = "scope_moves"
    __table_args__ = (
        Index("ix_scope_moves_table_name_change_version", "table_name", "change_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    table_name: str = Field(max_length=40)
    row_pk: str = Field(max_length=40, description="primary key of the row, as text")
    old_region: str = Field(max_length=6, description="adcode the row was located in")
    change_version: int = Field(sa_type=BigInteger, description="the version of the move")
    moved_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class RateWindow(SQLModel, table=True):
    """Open-data requests of one client address in one minute, shared by every server process."""

    __tablename__ = "rate_windows"

    key: str = Field(primary_key=True, max_length=64, description="client address")
    window: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False),
        description="minutes since the Unix epoch",
    )
    hits: int = 0
