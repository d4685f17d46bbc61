"""The HTTP connectors against a misbehaving simulator: 429 with Retry-After, 5xx, dropped
connections and tokens that expire mid-run end as the same data as a well-behaved source; data
changing while a client pages (a repeated page, a corrected record) ends as the source's data."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine, select

from connectors.config import load_sources
from hub.services import pull as pull_service
from hub.storage.engine import make_engine
from hub.synth.simulator import FaultRates, SimulatorConfig, create_simulator
from schemas import HealthTest, QuarantineRecord, SchoolClass
from tests.conftest import Templates, _fresh_database, make_settings
from tests.connectors.conftest import Province, free_port, write_sources
from tests.connectors.test_kill import dump

pytestmark = pytest.mark.slow

HTTP = ["class_roster", "ict_survey", "physical_health"]
BASE = ["institution_codes", "student_registry"]
HTTP_TABLES = ("classes", "ict_surveys", "health_tests", "quarantine")


@contextmanager
def simulator(folder: Path, config: SimulatorConfig) -> Iterator[tuple[int, Any]]:
    """The simulator in a thread of this process, so the test can read its data and counts."""
    app = create_simulator(config)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", http="h11")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield port, app.state  # type: ignore[attr-defined]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def hub(backend: str, tmp: Path, templates: Templates) -> Iterator[tuple[Engine, Any]]:
    tmp.mkdir(parents=True, exist_ok=True)
    databases = _fresh_database(backend, tmp, templates)
    url = next(databases)
    engine = make_engine(url)
    try:
        yield engine, make_settings(url, tmp / "data")
    finally:
        engine.dispose()
        for _ in databases:
            pass


def pull(engine: Engine, settings: Any, folder: Path, port: int, names: list[str]) -> None:
    sources = load_sources(write_sources(folder, port, f"sources.{port}.yaml"))
    reports = pull_service.pull(
        engine=engine, settings=settings, sources=sources, names_to_run=names
    )
    assert all(r.status == "ok" for r in reports)


def http_content(engine: Engine) -> dict[str, Any]:
    content = dump(engine)
    return {name: content[name] for name in HTTP_TABLES}


def test_http_connectors_survive_429_5xx_drops_and_expiring_tokens(
    province: Province, templates: Templates, tmp_path: Path
) -> None:
    folder = province.folder
    with hub("sqlite", tmp_path / "clean", templates) as (engine, settings):
        pull(engine, settings, folder, province.simulator.port, BASE + HTTP)
        expected = http_content(engine)
    faults = FaultRates(too_many=0.12, server_error=0.12, drop=0.08)
    config = SimulatorConfig.from_folder(folder, faults=faults, token_ttl_s=1.0)
    with (
        simulator(folder, config) as (port, app_state),
        hub("sqlite", tmp_path / "faulty", templates) as (engine, settings),
    ):
        pull(engine, settings, folder, province.simulator.port, BASE)
        pull(engine, settings, folder, port, HTTP)
        counts = dict(app_state.counts)
        assert http_content(engine) == expected
    assert counts["429"] > 0
    assert counts["5xx"] > 0
    assert counts["drop"] > 0


def _source_rows(app_state: Any, sql: str) -> set[tuple[Any, ...]]:
    return {tuple(r) for r in app_state.query(sql)}


def test_http_connectors_end_with_source_data_when_it_changes_during_paging(
    province: Province, templates: Templates, tmp_path: Path
) -> None:
    folder = province.folder
    config = SimulatorConfig.from_folder(folder, faults=FaultRates(churn=0.5))
    with (
        simulator(folder, config) as (port, app_state),
        hub("sqlite", tmp_path / "churn", templates) as (engine, settings),
    ):
        pull(engine, settings, folder, province.simulator.port, BASE)
        pull(engine, settings, folder, port, HTTP)
        pull(engine, settings, folder, port, HTTP)  # picks up what changed behind the cursor
        assert app_state.counts["churn"] > 0
        classes = _source_rows(
            app_state, "SELECT school_code, grade, class_no, head_count FROM classes"
        )
        tests = _source_rows(app_state, "SELECT xjh, test_date FROM health_tests")
        with engine.connect() as conn:
            q = QuarantineRecord.__table__  # type: ignore[attr-defined]
            refused = {
                str(raw.get("school_code")) + "|" + str(raw.get("xjh"))
                for raw in conn.execute(select(q.c.raw)).scalars()
            }
            c = SchoolClass.__table__  # type: ignore[attr-defined]
            hub_classes = {
                (r.school_code, int(r.grade), int(r.class_no), r.head_count)
                for r in conn.execute(select(c))
            }
            t = HealthTest.__table__  # type: ignore[attr-defined]
            hub_tests = {(r.xjh, r.test_date.isoformat()) for r in conn.execute(select(t))}
    source_classes = {
        (str(s), int(g), int(n), int(h))
        for s, g, n, h in classes
        if f"{s}|None" not in refused and str(h).isdigit()
    }
    assert hub_classes == source_classes
    loaded_tests = {(x, d) for x, d in tests if (x, d) in hub_tests}
    assert hub_tests == loaded_tests
    assert len(hub_tests) >= len(tests) - len(refused)
