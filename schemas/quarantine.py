"""Records a connector refused, kept with everything a clerk needs to find and fix them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Text
from sqlmodel import Field, SQLModel

from schemas.base import utcnow


class QuarantineRecord(SQLModel, table=True):
    """One refused record: where it was (source + locator), what it held, which rule it broke.

    ``resolved_run_id`` is set by the first later run that loads the record (or a fixed snapshot
    of its partition): the source was fixed, so the entry leaves the open list.
    """

    __tablename__ = "quarantine"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="connector_runs.id", index=True)
    connector: str = Field(max_length=60, index=True)
    stream: str = Field(max_length=60)
    source: str = Field(max_length=300, description="file name, table or endpoint")
    locator: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    partition: str | None = Field(default=None, max_length=60)
    record_key: str | None = Field(default=None, max_length=200, index=True)
    raw: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    field: str | None = Field(default=None, max_length=100)
    rule: str = Field(max_length=60, index=True)
    message: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    resolved_run_id: int | None = Field(default=None, index=True)
