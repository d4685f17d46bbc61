"""A tiny synthetic province per test session, its HTTP simulator, and databases pulled from it.

The province (``eduhub synth`` at scale 0.001: four counties, ~18k pupils) and its simulator are
shared by the whole session; ``pulled`` pulls everything once per backend and keeps the reports
of that pull and of a second one right after it, for the many tests that only read the result.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from connectors.config import SourcesFile, load_sources
from connectors.registry import names
from connectors.runner import RunReport
from hub.services import pull as pull_service
from hub.settings import Settings
from hub.storage.engine import make_engine
from tests.conftest import BACKENDS, Templates, _fresh_database, make_settings

SCALE = 0.001
SEED = 1
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Simulator:
    """``eduhub synth serve DIR`` in a subprocess on a free port."""

    def __init__(self, folder: Path, *, faults: str = "off", token_ttl: float | None = None):
        self.folder = folder
        self.port = free_port()
        cmd = [sys.executable, "-m", "hub.cli", "synth", "serve", str(folder)]
        cmd += ["--port", str(self.port), "--faults", faults]
        if token_ttl is not None:
            cmd += ["--token-ttl", str(token_ttl)]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/_sim/health", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("simulator did not start")

    def counts(self) -> dict[str, int]:
        return dict(httpx.get(f"{self.url}/_sim/health", timeout=5).json()["counts"])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def write_sources(folder: Path, port: int, name: str = "sources.yaml") -> Path:
    """The province's sources.yaml pointed at a simulator on ``port``."""
    text = (folder / "sources.yaml").read_text(encoding="utf-8")
    text = text.replace("127.0.0.1:8765", f"127.0.0.1:{port}")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Province:
    folder: Path
    manifest: dict[str, Any]
    sources_path: Path
    simulator: Simulator

    @property
    def sources(self) -> SourcesFile:
        return load_sources(self.sources_path)


def make_province(folder: Path) -> dict[str, Any]:
    from hub.synth.build import generate

    return generate(SEED, SCALE, folder, workers=1)


@pytest.fixture(scope="session")
def province_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("province") / "p"
    make_province(folder)
    return folder


@pytest.fixture(scope="session")
def province(province_template: Path) -> Iterator[Province]:
    sim = Simulator(province_template)
    path = write_sources(province_template, sim.port, "sources.test.yaml")
    manifest = json.loads((province_template / "manifest.json").read_text(encoding="utf-8"))
    try:
        yield Province(province_template, manifest, path, sim)
    finally:
        sim.stop()


def copy_province(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest


@dataclass
class Pulled:
    """A database after ``pull --all`` (``first``) and a second pull right after (``second``)."""

    settings: Settings
    engine: Engine
    first: dict[str, RunReport]
    second: dict[str, RunReport]
    province: Province


def pull_all(engine: Engine, settings: Settings, sources: SourcesFile) -> dict[str, RunReport]:
    reports = pull_service.pull(
        engine=engine, settings=settings, sources=sources, names_to_run=names()
    )
    return {r.connector: r for r in reports}


@pytest.fixture(scope="session", params=BACKENDS)
def pulled(
    request: pytest.FixtureRequest,
    province: Province,
    templates: Templates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Pulled]:
    tmp = tmp_path_factory.mktemp(f"pulled_{request.param}")
    databases = _fresh_database(request.param, tmp, templates)
    url = next(databases)
    settings = make_settings(url, tmp / "data")
    engine = make_engine(url)
    try:
        first = pull_all(engine, settings, province.sources)
        second = pull_all(engine, settings, province.sources)
        yield Pulled(settings, engine, first, second, province)
    finally:
        engine.dispose()
        for _ in databases:  # drop the database
            pass
