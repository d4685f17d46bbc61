"""Indicators over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from hub.services.indicators import INDICATORS
from tests.gis.factories import make_province


def test_list_indicators_serves_definitions(client: TestClient) -> None:
    body = client.get("/api/v1/indicators").json()
    assert body["count"] == len(INDICATORS)
    assert {d["id"] for d in body["data"]} == set(INDICATORS)


def test_get_indicator_values_by_county(client: TestClient, session: Session) -> None:
    p = make_province(session)
    body = client.get(
        "/api/v1/indicators/classes_66_plus", params={"level": "county", "period": "2026"}
    ).json()
    assert body["count"] == 95
    row = next(r for r in body["data"] if r["adcode"] == "320583")
    k12 = {x["code"] for x in p.schools if x["school_type"][:2] in ("21", "31", "34")}
    stats = [
        s
        for s in p.stats
        if s["year"] == 2026
        and p.county_of(s["school_code"]) == "320583"
        and s["school_code"] in k12
    ]
    assert row["numerator"] == sum(s["ge66"] for s in stats)
    assert row["denominator"] == sum(s["classes"] for s in stats)


def test_get_indicator_unknown_is_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/indicators/nope")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found")


def test_get_indicator_bad_period_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/indicators/k12_gigabit", params={"period": "soon"})
    assert response.status_code == 422
