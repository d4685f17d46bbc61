"""The HTTP simulator: contract shapes, paging, expiring tokens and faults at the set rates."""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from hub.synth.simulator import FAULT_LEVELS, FaultRates, SimulatorConfig, create_simulator

TOKEN_TTL = 0.5


@dataclass
class Running:
    url: str
    config: SimulatorConfig


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve(province: Path) -> Iterator[Any]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(faults: FaultRates, **overrides: Any) -> Running:
        config = SimulatorConfig.from_folder(province, faults=faults, **overrides)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_simulator(config),
                host="127.0.0.1",
                port=port,
                log_level="error",
                http="h11",
                lifespan="on",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "simulator did not start"
            time.sleep(0.02)
        servers.append((server, thread))
        return Running(f"http://127.0.0.1:{port}", config)

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def _token(client: httpx.Client, config: SimulatorConfig) -> str:
    reply = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                              "client_id": config.client_id,
                                              "client_secret": config.client_secret})  # fmt: skip
    assert reply.status_code == 200
    token: str = reply.json()["access_token"]
    return token


def test_page_through_classes_returns_every_class_once(serve: Any, province: Path) -> None:
    sim = serve(FAULT_LEVELS["off"])
    seen: list[str] = []
    with httpx.Client(base_url=sim.url) as client:
        page = 1
        while True:
            body = client.get(
                "/api/classes", params={"year": 2026, "page": page, "size": 37}
            ).json()
            assert set(body) == {"total", "page", "items"}
            if not body["items"]:
                break
            seen += [item["class_id"] for item in body["items"]]
            page += 1
    assert len(seen) == body["total"] == len(set(seen))


def test_page_through_tests_with_cursor_until_next_cursor_is_null(serve: Any) -> None:
    sim = serve(FAULT_LEVELS["off"])
    with httpx.Client(base_url=sim.url) as client:
        headers = {"Authorization": f"Bearer {_token(client, sim.config)}"}
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"school_year": "2026-2027", "limit": 500}
            if cursor:
                params["cursor"] = cursor
            body = client.get("/api/v2/tests", params=params, headers=headers).json()
            seen += [item["xjh"] for item in body["data"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
    assert len(seen) == len(set(seen)) > 1000


def test_page_through_ict_until_has_more_is_false(serve: Any) -> None:
    sim = serve(FAULT_LEVELS["off"])
    with httpx.Client(base_url=sim.url) as client:
        body = client.get("/api/ict/schools", params={"quarter": "2026Q3", "page": 1}).json()
    assert set(body) == {"rows", "has_more"}
    assert body["rows"]
    assert body["rows"][0]["bandwidth_mbps"]


def test_answer_no_rows_for_a_period_the_data_does_not_cover(serve: Any) -> None:
    sim = serve(FAULT_LEVELS["off"])
    with httpx.Client(base_url=sim.url) as client:
        now = client.get("/api/ict/schools", params={"quarter": sim.config.quarter}).json()
        other = client.get("/api/ict/schools", params={"quarter": "2019Q1"}).json()
    assert now["rows"]
    assert other == {"rows": [], "has_more": False}


def test_filter_classes_by_updated_since(serve: Any) -> None:
    sim = serve(FAULT_LEVELS["off"])
    with httpx.Client(base_url=sim.url) as client:
        everything = client.get("/api/classes", params={"size": 1000}).json()
        stamps = sorted(item["updated_at"] for item in everything["items"])
        middle = stamps[len(stamps) // 2]
        later = client.get("/api/classes", params={"size": 1000, "updated_since": middle}).json()
    assert 0 < later["total"] < everything["total"]
    assert all(item["updated_at"] > middle for item in later["items"])


def test_reject_expired_token_with_401(serve: Any) -> None:
    sim = serve(FAULT_LEVELS["off"], token_ttl_s=TOKEN_TTL)
    with httpx.Client(base_url=sim.url) as client:
        headers = {"Authorization": f"Bearer {_token(client, sim.config)}"}
        assert client.get("/api/v2/tests", headers=headers).status_code == 200
        time.sleep(TOKEN_TTL + 0.2)
        expired = client.get("/api/v2/tests", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["error"] == "invalid_token"


def test_answer_410_for_an_expired_cursor(serve: Any) -> None:
    sim = serve(FAULT_LEVELS["off"], cursor_ttl_s=0.3)
    with httpx.Client(base_url=sim.url) as client:
        headers = {"Authorization": f"Bearer {_token(client, sim.config)}"}
        first = client.get("/api/v2/tests", params={"limit": 10}, headers=headers).json()
        time.sleep(0.5)
        later = client.get(
            "/api/v2/tests", params={"limit": 10, "cursor": first["next_cursor"]}, headers=headers
        )
    assert later.status_code == 410


def test_reject_wrong_client_secret(serve: Any) -> None:
    sim = serve(FAULT_LEVELS["off"])
    with httpx.Client(base_url=sim.url) as client:
        reply = client.post("/oauth/token", data={"client_id": sim.config.client_id,
                                                  "client_secret": "wrong"})  # fmt: skip
    assert reply.status_code == 401


def test_repeat_a_served_test_when_data_changes_during_paging(serve: Any) -> None:
    sim = serve(FaultRates(churn=1.0))
    with httpx.Client(base_url=sim.url) as client:
        headers = {"Authorization": f"Bearer {_token(client, sim.config)}"}
        seen: list[str] = []
        cursor = None
        for _ in range(4):
            params: dict[str, Any] = {"limit": 50, **({"cursor": cursor} if cursor else {})}
            body = client.get("/api/v2/tests", params=params, headers=headers).json()
            seen += [item["xjh"] for item in body["data"]]
            cursor = body["next_cursor"]
        while cursor:
            body = client.get("/api/v2/tests", params={"limit": 1000, "cursor": cursor},
                              headers=headers).json()  # fmt: skip
            seen += [item["xjh"] for item in body["data"]]
            cursor = body["next_cursor"]
    assert len(seen) > len(set(seen))


def test_inject_faults_at_the_configured_rates(serve: Any) -> None:
    rates = FaultRates(too_many=0.10, server_error=0.08, drop=0.05)
    sim = serve(rates)
    n = 600
    seen = {"429": 0, "5xx": 0, "drop": 0, "ok": 0}
    retry_after: set[str] = set()
    client = httpx.Client(base_url=sim.url, timeout=5)
    for _ in range(n):
        try:
            reply = client.get("/api/ict/schools", params={"page": 1})
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError):
            seen["drop"] += 1
            client.close()
            client = httpx.Client(base_url=sim.url, timeout=5)
            continue
        if reply.status_code == 429:
            seen["429"] += 1
            retry_after.add(reply.headers["Retry-After"])
        elif reply.status_code >= 500:
            seen["5xx"] += 1
        else:
            assert reply.status_code == 200
            seen["ok"] += 1
    client.close()
    for kind, p in (("429", rates.too_many), ("5xx", rates.server_error), ("drop", rates.drop)):
        tolerance = 4 * math.sqrt(n * p * (1 - p))
        assert abs(seen[kind] - n * p) <= tolerance, (kind, seen)
    assert retry_after == {"1"}


def test_inject_no_faults_when_off(serve: Any) -> None:
    sim = serve(FAULT_LEVELS["off"])
    with httpx.Client(base_url=sim.url) as client:
        codes = {client.get("/api/ict/schools").status_code for _ in range(100)}
    assert codes == {200}
