"""Columns every unified record carries: where it came from and when it last changed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime
from sqlmodel import Field, SQLModel

# Deterministic constraint names, so migrations can drop what they created on both backends.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PROVENANCE_FIELDS = (
    "source_system",
    "source_key",
    "run_id",
    "first_seen",
    "last_seen",
    "content_hash",
    "is_deleted",
    "change_version",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Tracked(SQLModel):
    """Provenance and change-version mixin.

    ``change_version`` comes from one database-wide counter (see ``schemas.versioning``), so the
    change feed can be read across every table in one order without gaps.
    """

    source_system: str = Field(max_length=40)
    source_key: str = Field(max_length=200)
    run_id: int | None = Field(default=None, foreign_key="connector_runs.id")
    first_seen: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_seen: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    content_hash: str = Field(default="", max_length=64)
    is_deleted: bool = Field(default=False)
    change_version: int = Field(default=0, sa_type=BigInteger, unique=True, index=True)
