"""Token endpoint and bearer authentication of the pull API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.services.exchange.factories import make_client


def test_token_endpoint_issues_bearer_token(client: TestClient, engine: Engine) -> None:
    client_id, secret = make_client(engine, "320100")
    r = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert "datasets:read" in body["scope"].split()


def test_token_endpoint_accepts_basic_credentials(client: TestClient, engine: Engine) -> None:
    client_id, secret = make_client(engine, "320100")
    r = client.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert r.status_code == 200


def test_token_endpoint_refuses_bad_secret(client: TestClient, engine: Engine) -> None:
    client_id, _ = make_client(engine, "320100")
    r = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"},
    )
    assert r.status_code == 401


def test_records_require_token_for_closed_dataset(client: TestClient) -> None:
    r = client.get("/api/v1/datasets/30700101/001/records")
    assert r.status_code == 401


def test_records_refuse_forged_token(client: TestClient) -> None:
    r = client.get(
        "/api/v1/datasets/schools/records", headers={"Authorization": "Bearer abc.def.ghi"}
    )
    assert r.status_code == 401
