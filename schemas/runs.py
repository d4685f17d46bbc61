"""Connector runs: every record names the run that last touched it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Text
from sqlmodel import Field, SQLModel

from schemas.base import utcnow


class ConnectorRun(SQLModel, table=True):
    __tablename__ = "connector_runs"

    id: int | None = Field(default=None, primary_key=True)
    connector: str = Field(max_length=60, index=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    status: str = Field(default="running", max_length=20, description="running | ok | failed")
    counts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    bytes_read: int = Field(default=0)
    state_before: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    state_after: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    error: str | None = Field(default=None, sa_type=Text)
