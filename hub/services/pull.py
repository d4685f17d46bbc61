"""Pulling source systems into the hub: which connectors to run, with what key, and reading back
the run records and the quarantine. The connectors own the work; this layer only wires them to
the hub's settings (the ID-hash key) and database."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, func, select

from connectors.config import ConfigProblem, SourcesFile, load_sources
from connectors.prepare import Pool
from connectors.registry import connectors, names
from connectors.runner import Progress, RunReport, run_connector
from connectors.runs import list_runs
from hub.errors import ConfigError, Invalid, NotFound
from hub.settings import Settings
from schemas import scoping
from schemas.base import utcnow
from schemas.quarantine import QuarantineRecord

QUARANTINE = QuarantineRecord.__table__  # type: ignore[attr-defined]
EXPORT_COLUMNS = (
    "id",
    "run_id",
    "connector",
    "stream",
    "source",
    "locator",
    "record_key",
    "field",
    "rule",
    "message",
    "raw",
    "resolved_run_id",
)


def read_sources(path: Path) -> SourcesFile:
    try:
        return load_sources(path)
    except ConfigProblem as exc:
        raise ConfigError(str(exc)) from exc


def choose(sources: SourcesFile, wanted: Sequence[str], every: bool) -> list[str]:
    """Connector names to run, in dependency order; unknown or unconfigured names are errors."""
    known = names()
    if every:
        return [n for n in known if n in sources.sources]
    if not wanted:
        raise Invalid("name at least one source, or use --all")
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise Invalid(f"unknown source {', '.join(unknown)}; known: {', '.join(known)}")
    missing = [n for n in wanted if n not in sources.sources]
    if missing:
        raise Invalid(f"{', '.join(missing)} not configured in {sources.path}")
    return [n for n in known if n in wanted]


def pull(
    *,
    engine: Engine,
    settings: Settings,
    sources: SourcesFile,
    names_to_run: Sequence[str],
    full_refresh: bool = False,
    progress: Callable[[str], Progress | None] | None = None,
) -> list[RunReport]:
    """Run the chosen connectors in order; a failing connector stops the pull (its run record
    says why) since later sources are checked against earlier ones."""
    available = connectors()
    reports: list[RunReport] = []
    workers = settings.pull_workers
    if workers is None:  # a core for the runner, the others (up to 4) for the workers
        workers = max(1, min((os.cpu_count() or 1) - 1, 4))
    pool = Pool(workers, min_bytes=int(settings.pull_workers_min_mb * (1 << 20)))
    # After the last connector that parses files in the workers, they go, and their memory
    # (a county's workbook parsed: about 200 MB each) with them, while the others run.
    last_user = max(
        (i for i, name in enumerate(names_to_run) if available[name].uses_workers), default=-1
    )
    try:
        for i, name in enumerate(names_to_run):
            report = run_connector(
                engine,
                available[name],
                sources.sources[name],
                id_key=settings.id_hash_key_bytes,
                province=settings.province_code,
                full_refresh=full_refresh,
                progress=progress(name) if progress else None,
                pool=pool,
            )
            reports.append(report)
            if i == last_user:
                pool.close()
    finally:
        pool.close()
    prune_moves(engine=engine, settings=settings)
    return reports


def prune_moves(*, engine: Engine, settings: Settings) -> int:
    """Forget the rows that left a region longer ago than ``scope_moves_keep_days`` (after
    every pull): the change feed then sends a row-scoped client with an older cursor back to
    the start (410) rather than let it miss those deletions."""
    before = utcnow() - timedelta(days=settings.scope_moves_keep_days)
    with engine.begin() as conn:
        return scoping.prune_moves(conn, before)


def runs(*, engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return list_runs(conn, limit)


def quarantine_list(
    *, engine: Engine, run_id: int | None = None, include_resolved: bool = False, limit: int = 1000
) -> list[dict[str, Any]]:
    query = select(QUARANTINE).order_by(QUARANTINE.c.id).limit(limit)
    if run_id is not None:
        query = query.where(QUARANTINE.c.run_id == run_id)
    if not include_resolved:
        query = query.where(QUARANTINE.c.resolved_run_id.is_(None))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def quarantine_counts(*, engine: Engine, run_id: int | None = None) -> list[dict[str, Any]]:
    """Open entries per connector and rule: the clerk's worklist."""
    query = (
        select(QUARANTINE.c.connector, QUARANTINE.c.rule, func.count().label("records"))
        .where(QUARANTINE.c.resolved_run_id.is_(None))
        .group_by(QUARANTINE.c.connector, QUARANTINE.c.rule)
        .order_by(QUARANTINE.c.connector, QUARANTINE.c.rule)
    )
    if run_id is not None:
        query = query.where(QUARANTINE.c.run_id == run_id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def quarantine_show(*, engine: Engine, entry_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(QUARANTINE).where(QUARANTINE.c.id == entry_id)).mappings().first()
    if row is None:
        raise NotFound(f"no quarantine entry {entry_id}")
    return dict(row)


def quarantine_export(entries: list[dict[str, Any]], fmt: str) -> str:
    """Entries as CSV (UTF-8 with BOM, opens in Excel) or NDJSON."""
    if fmt == "json":
        return "".join(orjson.dumps(e, default=str).decode() + "\n" for e in entries)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                orjson.dumps(e[c]).decode() if c in ("locator", "raw") else e[c]
                for c in EXPORT_COLUMNS
            ]
        )
    return buffer.getvalue()
