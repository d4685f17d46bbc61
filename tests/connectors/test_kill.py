"""``kill -9`` at any point of a pull, then a resumed pull: the same database as a pull never
interrupted. Each point is a checkpoint of the runner (after reading a batch, before and after
its commit), reached by a ``python -m hub.cli pull --all`` subprocess that kills itself there."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

import schemas
from connectors.runner import KILL_ENV
from hub.settings import Settings
from hub.storage.engine import make_engine
from schemas.runs import ConnectorRun
from tests.conftest import BACKENDS, TEST_KEY, Templates, _fresh_database, make_settings
from tests.connectors.conftest import ROOT, Province, pull_all

pytestmark = pytest.mark.slow

KILL_POINTS = 10
VOLATILE = {
    "id",
    "run_id",
    "first_seen",
    "last_seen",
    "created_at",
    "loaded_at",
    "updated_at",
    "resolved_run_id",
    "moved_at",
}


def _state(value: Any) -> Any:
    """A state or locator without the source's opaque cursor (it embeds its issue time)."""
    if isinstance(value, dict):
        return {k: _state(v) for k, v in value.items() if k != "cursor"}
    return value


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's content, minus run ids and timestamps, in a stable order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in schemas.metadata.sorted_tables:
            if table.name == ConnectorRun.__tablename__:
                continue
            columns = [c for c in table.columns if c.name not in VOLATILE]
            rows = []
            for row in conn.execute(select(table)).mappings():
                values = [
                    _state(row[c.name]) if c.name in ("value", "locator") else row[c.name]
                    for c in columns
                ]
                if "resolved_run_id" in table.c:
                    values.append(row["resolved_run_id"] is not None)
                rows.append(tuple(repr(v) for v in values))
            out[table.name] = sorted(rows)
    return out


def _database(backend: str, tmp: Path, templates: Templates) -> Iterator[str]:
    return _fresh_database(backend, tmp, templates)


def _killed_pull(settings: Settings, config: Path, at: int) -> int:
    env = dict(os.environ)
    env.update(
        EDUHUB_DATABASE_URL=settings.database_url,
        EDUHUB_ID_HASH_KEY=TEST_KEY,
        EDUHUB_DATA_DIR=str(settings.data_dir),
    )
    env[KILL_ENV] = str(at)
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", "pull", "--all", "--config", str(config), "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
    )
    return done.returncode


PG_KILL_POINTS = 3  # PostgreSQL: a few points on top of SQLite's ten, to keep the suite quick
Reference = tuple[dict[str, Any], int]


@pytest.fixture(scope="module")
def references(
    province: Province, templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Reference]]:
    """Per backend, built on first use: the database after one uninterrupted pull, and how many
    checkpoints that pull passed."""
    made: dict[str, Reference] = {}
    cleanups: list[Iterator[str]] = []

    def reference(backend: str) -> Reference:
        if backend not in made:
            tmp = tmp_path_factory.mktemp(f"reference_{backend}")
            databases = _database(backend, tmp, templates)
            cleanups.append(databases)
            url = next(databases)
            engine = make_engine(url)
            try:
                reports = pull_all(engine, make_settings(url, tmp / "data"), province.sources)
                batches = sum(r.counts.batches for r in reports.values())
                made[backend] = (dump(engine), 3 * batches)
            finally:
                engine.dispose()
        return made[backend]

    yield reference
    for databases in cleanups:
        for _ in databases:
            pass


def kill_points(total: int) -> list[int]:
    rng = random.Random(20261129)
    inner = rng.sample(range(2, total), min(KILL_POINTS - 2, total - 2))
    return sorted({1, total, *inner})


CASES = [("sqlite", k) for k in range(KILL_POINTS)]
CASES += [("postgresql", k) for k in range(0, KILL_POINTS, KILL_POINTS // PG_KILL_POINTS)][
    :PG_KILL_POINTS
]


def test_reference_pull_passes_enough_kill_points(
    references: Callable[[str], Reference],
) -> None:
    assert references("sqlite")[1] >= KILL_POINTS


@pytest.mark.parametrize(("backend", "point"), [c for c in CASES if c[0] in BACKENDS])
def test_resumed_pull_after_sigkill_matches_uninterrupted_pull(
    backend: str,
    point: int,
    references: Callable[[str], Reference],
    province: Province,
    templates: Templates,
    tmp_path: Path,
) -> None:
    expected, total = references(backend)
    at = kill_points(total)[point]
    databases = _database(backend, tmp_path, templates)
    url = next(databases)
    settings = make_settings(url, tmp_path / "data")
    engine = make_engine(url)
    try:
        assert _killed_pull(settings, province.sources_path, at) == -signal.SIGKILL
        reports = pull_all(engine, settings, province.sources)
        assert all(r.status == "ok" for r in reports.values())
        got = dump(engine)
        diff = {
            name: (sorted(set(rows) - set(expected[name]))[:2], len(rows), len(expected[name]))
            for name, rows in got.items()
            if rows != expected[name]
        }
        assert not diff, diff
    finally:
        engine.dispose()
        for _ in databases:
            pass


def _processes_with(marker: str) -> list[int]:
    """Live processes whose environment holds ``marker`` (a worker outliving its runner)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif("sqlite" not in BACKENDS, reason="SQLite not in the tested backends")
def test_sigkill_with_worker_processes_leaves_no_worker_and_resumes(
    references: Callable[[str], Reference],
    province: Province,
    templates: Templates,
    tmp_path: Path,
) -> None:
    """Workers parse and map the files (connectors.prepare). Once they run, the pull is killed:
    they exit on their own, and the resumed pull ends like the uninterrupted one."""
    expected, _ = references("sqlite")
    databases = _database("sqlite", tmp_path, templates)
    url = next(databases)
    settings = make_settings(url, tmp_path / "data")
    marker = f"EDUHUB_TEST_WORKER_MARK_{os.getpid()}_{random.randrange(1 << 30)}"
    env = dict(
        os.environ,
        EDUHUB_DATABASE_URL=url,
        EDUHUB_ID_HASH_KEY=TEST_KEY,
        EDUHUB_DATA_DIR=str(settings.data_dir),
        EDUHUB_PULL_WORKERS="2",
        EDUHUB_PULL_WORKERS_MIN_MB="0",
        **{marker: "1"},
    )
    args = ["pull", "--all", "--config", str(province.sources_path), "--quiet"]
    engine = make_engine(url)
    try:
        runner = subprocess.Popen([sys.executable, "-m", "hub.cli", *args], cwd=ROOT, env=env)
        deadline = time.monotonic() + 60
        while len(_processes_with(marker)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # the runner, then its workers
        assert runner.poll() is None, "the pull ended before its workers were seen"
        assert len(_processes_with(marker)) >= 2
        runner.send_signal(signal.SIGKILL)
        assert runner.wait() == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while _processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _processes_with(marker), "worker processes outlived the killed pull"
        reports = pull_all(engine, settings, province.sources)
        assert all(r.status == "ok" for r in reports.values())
        got = dump(engine)
        assert got == expected, [name for name in got if got[name] != expected[name]]
    finally:
        engine.dispose()
        for _ in databases:
            pass
