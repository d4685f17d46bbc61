"""Probes, OpenAPI docs and the one error shape every endpoint shares."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.settings import Settings

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def test_healthz_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_and_revision(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["revision"] == body["head"] is not None


def test_readyz_is_503_problem_when_database_unreachable(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none", data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/storage-unavailable")


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()) == PROBLEM_KEYS


def test_invalid_query_is_a_problem_with_errors(client: TestClient) -> None:
    response = client.get("/api/v1/regions", params={"level": "planet"})
    body = response.json()
    assert response.status_code == 422
    assert body["type"].endswith("/invalid")
    assert body["errors"][0]["loc"] == ["query", "level"]


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/readyz" in spec["paths"]
    assert "/api/v1/regions" in spec["paths"]
