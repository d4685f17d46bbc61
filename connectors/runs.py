"""Run records: what each pull read, wrote, refused and left as state; counts must reconcile."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from schemas.base import utcnow
from schemas.runs import ConnectorRun

TABLE = ConnectorRun.__table__  # type: ignore[attr-defined]


class ReconciliationError(RuntimeError):
    """read != inserted + updated + unchanged + quarantined: a record went missing."""


@dataclass
class Counts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    bytes: int = 0
    batches: int = 0

    def add(self, other: Counts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    @property
    def loaded(self) -> int:
        return self.inserted + self.updated

    @property
    def writes(self) -> int:
        return self.inserted + self.updated + self.deleted

    def reconcile(self, where: str) -> None:
        """Fail loudly when a record was neither loaded, unchanged nor quarantined."""
        accounted = self.loaded + self.unchanged + self.quarantined
        if self.read != accounted:
            raise ReconciliationError(
                f"{where}: read {self.read} != loaded {self.loaded} + unchanged {self.unchanged}"
                f" + quarantined {self.quarantined} ({accounted})"
            )

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def start_run(conn: Connection, connector: str, state_before: dict[str, Any]) -> int:
    """Open a run; runs of this connector still 'running' were killed and are marked so."""
    conn.execute(
        update(TABLE)
        .where(TABLE.c.connector == connector, TABLE.c.status == "running")
        .values(status="interrupted", finished_at=utcnow())
    )
    return int(
        conn.execute(
            insert(TABLE)
            .values(
                connector=connector,
                started_at=utcnow(),
                status="running",
                counts={},
                bytes_read=0,
                state_before=state_before,
                state_after={},
            )
            .returning(TABLE.c.id)
        ).scalar_one()
    )


def finish_run(
    conn: Connection,
    run_id: int,
    *,
    status: str,
    counts: dict[str, Any],
    bytes_read: int,
    state_after: dict[str, Any],
    error: str | None = None,
) -> None:
    conn.execute(
        update(TABLE)
        .where(TABLE.c.id == run_id)
        .values(
            status=status,
            finished_at=utcnow(),
            counts=counts,
            bytes_read=bytes_read,
            state_after=state_after,
            error=error,
        )
    )


def list_runs(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    rows = conn.execute(select(TABLE).order_by(TABLE.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]
