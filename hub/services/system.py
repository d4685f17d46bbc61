"""Database lifecycle: create or upgrade the schema, load reference data, report readiness."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from hub.errors import StorageUnavailable
from hub.settings import Settings
from hub.storage import migrate
from hub.storage.seed import seed_reference
from hub.storage.session import ping


@dataclass(frozen=True)
class InitReport:
    revision: str | None
    regions: int
    codes: int


def init_database(*, engine: Engine, settings: Settings) -> InitReport:
    """Bring the database to the latest schema and reference data; safe to run again."""
    ping(engine)
    with _storage_errors(engine):
        migrate.upgrade(engine)
        counts = seed_reference(engine, settings.province_code)
        return InitReport(migrate.current_revision(engine), counts["regions"], counts["codes"])


def upgrade(*, engine: Engine, revision: str = "head") -> str | None:
    ping(engine)
    with _storage_errors(engine):
        migrate.upgrade(engine, revision)
        return migrate.current_revision(engine)


def downgrade(*, engine: Engine, revision: str) -> str | None:
    ping(engine)
    with _storage_errors(engine):
        migrate.downgrade(engine, revision)
        return migrate.current_revision(engine)


def revisions(*, engine: Engine) -> tuple[str | None, str | None]:
    """(current, head) revisions."""
    ping(engine)
    return migrate.current_revision(engine), migrate.head_revision(engine)


def readiness(*, engine: Engine) -> dict[str, str | None]:
    """Raise StorageUnavailable unless the database answers; report its schema revision."""
    ping(engine)
    current, head = migrate.current_revision(engine), migrate.head_revision(engine)
    return {"database": engine.dialect.name, "revision": current, "head": head}


@contextmanager
def _storage_errors(engine: Engine) -> Iterator[None]:
    """Turn driver errors met while migrating into one clear StorageUnavailable."""
    try:
        yield
    except (OperationalError, DBAPIError) as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise StorageUnavailable(f"database {engine.url.render_as_string()}: {reason}") from exc
