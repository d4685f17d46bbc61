"""A real uvicorn server on a free port in its own process (GDAL and browsers need real HTTP)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from hub.settings import Settings


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "EDUHUB_DATABASE_URL": settings.database_url,
        "EDUHUB_DATA_DIR": str(settings.data_dir),
        "EDUHUB_ID_HASH_KEY": settings.id_hash_key.get_secret_value(),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "hub.api.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, "server exited"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
