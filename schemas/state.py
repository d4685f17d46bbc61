"""What the connectors remember between runs, stored next to the data it describes.

A row here is written in the same transaction as the batch it describes, so a run killed at any
moment resumes exactly where the last committed batch left off.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from schemas.base import utcnow


class ConnectorState(SQLModel, table=True):
    """Bookmark of one stream: watermark, cursor, or per-partition snapshot hashes."""

    __tablename__ = "connector_state"

    connector: str = Field(primary_key=True, max_length=60)
    stream: str = Field(primary_key=True, max_length=60)
    value: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    run_id: int | None = Field(default=None, foreign_key="connector_runs.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class LoadedFile(SQLModel, table=True):
    """A file-drop file that was loaded: never load the same name + size + SHA-256 twice."""

    __tablename__ = "loaded_files"
    __table_args__ = (UniqueConstraint("connector", "stream", "name", "size", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    connector: str = Field(max_length=60, index=True)
    stream: str = Field(max_length=60)
    name: str = Field(max_length=300)
    size: int = Field(sa_type=BigInteger)
    sha256: str = Field(max_length=64)
    partition: str | None = Field(default=None, max_length=60)
    period: str | None = Field(default=None, max_length=10)
    rows: int = 0
    run_id: int | None = Field(default=None, foreign_key="connector_runs.id")
    loaded_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class SnapshotDigest(SQLModel, table=True):
    """What the last loaded snapshot of one partition held, row by row: each loaded row's raw
    digest with its key, content hash and reference values (``connectors.digests``). Lets the
    next snapshot skip mapping rows whose source values did not change. A cache: deleting it
    only makes the next pull map every row again."""

    __tablename__ = "snapshot_digests"

    connector: str = Field(primary_key=True, max_length=60)
    stream: str = Field(primary_key=True, max_length=60)
    partition: str = Field(primary_key=True, max_length=60)
    fingerprint: str = Field(max_length=64)
    rows: int = 0
    data: bytes = Field(sa_type=LargeBinary)
    run_id: int | None = Field(default=None, foreign_key="connector_runs.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
