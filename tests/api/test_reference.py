"""Regions, code tables and identifier checks over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_list_regions_filters_by_level(client: TestClient) -> None:
    body = client.get("/api/v1/regions", params={"level": "city"}).json()
    assert body["count"] == 13
    assert body["data"][0] == {
        "adcode": "320100",
        "name": "南京市",
        "level": "city",
        "parent": "320000",
    }


def test_list_regions_filters_by_parent(client: TestClient) -> None:
    body = client.get("/api/v1/regions", params={"parent": "320100"}).json()
    assert body["count"] == 11
    assert {r["level"] for r in body["data"]} == {"county"}


def test_get_region_unknown_is_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/regions/999999")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found")


def test_get_code_table_returns_codes(client: TestClient) -> None:
    body = client.get("/api/v1/codes/gender").json()
    assert {row["code"]: row["name"] for row in body["data"]}["1"] == "男"


def test_get_code_table_unknown_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/codes/nonsense")
    assert response.status_code == 404
    assert "gender" in response.json()["detail"]


def test_check_identifier_explains_the_rule(client: TestClient) -> None:
    bad = client.get("/api/v1/identifiers/check", params={"value": "360426199101010072"}).json()
    assert bad["ok"] is False
    assert bad["rule"] == "id_number.check_digit"
    good = client.get("/api/v1/identifiers/check", params={"value": "2132001234"}).json()
    assert good == {
        "ok": True,
        "kind": "school_code",
        "value": "2132001234",
        "rule": None,
        "message": None,
    }
