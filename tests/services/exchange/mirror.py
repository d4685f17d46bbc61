"""Helpers for federation tests: the sync command, what the province serves, what the city holds."""

from __future__ import annotations

import socket
import sys
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine, select

from hub.services.exchange.datasets import get_dataset
from hub.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sync_cmd(
    city_url: str,
    province_url: str,
    client_id: str,
    secret: str,
    datasets: list[str],
    page_size: int = 3,
) -> list[str]:
    cmd = [sys.executable, "-m", "hub.cli", "--database-url", city_url, "sync",
           "--from", province_url, "--client-id", client_id, "--secret", secret,
           "--page-size", str(page_size)]  # fmt: skip
    for ds in datasets:
        cmd += ["--dataset", ds]
    return cmd


def served(province_url: str, client_id: str, secret: str, code: str) -> list[bytes]:
    """Every row the province serves this client, through keyset pages, as sorted JSON."""
    out: list[bytes] = []
    with httpx.Client(base_url=province_url, timeout=60) as http:
        tok = http.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": client_id,
                  "client_secret": secret},
        ).json()["access_token"]  # fmt: skip
        params: dict[str, Any] = {"limit": 10000}
        while True:
            r = http.get(
                f"/api/v1/datasets/{code}/records",
                params=params,
                headers={"Authorization": f"Bearer {tok}"},
            )
            assert r.status_code == 200, r.text
            body = r.json()
            out += [orjson.dumps(row, option=orjson.OPT_SORT_KEYS) for row in body["data"]]
            if not body["next_cursor"]:
                return sorted(out)
            params["cursor"] = body["next_cursor"]


def mirrored(city: Engine, settings: Settings, code: str) -> list[bytes]:
    """The city's live (not deleted) rows of a dataset, as sorted JSON."""
    ds = get_dataset(settings, code)
    cols = [ds.column(f) for f in ds.fields]
    with city.connect() as conn:
        rows = conn.execute(select(*cols).where(ds.column("is_deleted").is_(False))).mappings()
        return sorted(orjson.dumps(dict(r), option=orjson.OPT_SORT_KEYS, default=str) for r in rows)
