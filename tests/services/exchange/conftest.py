"""A province hub in its own ``eduhub serve`` process, and an empty city hub to mirror it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_KEY, Templates, _fresh_database
from tests.services.exchange.mirror import free_port


@pytest.fixture
def province_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "EDUHUB_ID_HASH_KEY": TEST_KEY}
    log = tmp_path / "province-hub.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "--database-url", database_url, "serve",
         "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):  # the machine is shared: allow a slow start
        if proc.poll() is not None:
            break
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"the province hub did not start: {log.read_text()[-1500:]}")
    yield url
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)


@pytest.fixture
def city_url(tmp_path: Path, templates: Templates) -> Iterator[str]:
    (tmp_path / "city").mkdir()
    yield from _fresh_database("sqlite", tmp_path / "city", templates)
