"""Share-request workflow end to end: request, approve, pull, revoke, pull again → 403."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.services.exchange.workdays import add_working_days, china_date
from hub.settings import Settings
from schemas.base import utcnow
from tests.services.exchange.factories import seed_province, token_for


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _request(client: TestClient, token: str, fields: list[str]) -> int:
    r = client.post(
        "/api/v1/share-requests",
        headers=_h(token),
        json={
            "dataset": "30700102/001",
            "purpose": "控辍保学",
            "legal_basis": "《义务教育法》第十三条",
            "fields": fields,
            "period_start": "2026-01-01",
            "period_end": "2099-12-31",
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_share_request_workflow_end_to_end(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    seed_province(engine)
    city, province = token_for(engine, settings, "320500"), token_for(engine, settings, "320000")
    url = "/api/v1/datasets/students/records"
    assert client.get(url, headers=_h(city)).status_code == 403
    request_id = _request(client, city, ["name"])
    approved = client.post(
        f"/api/v1/share-requests/{request_id}/approve", headers=_h(province), json={}
    )
    assert approved.status_code == 200, approved.text
    rows = client.get(url, headers=_h(city)).json()["data"]
    assert {r["school_code"] for r in rows} == {"2132050001"}
    assert all(not r["name"].endswith("***") for r in rows)
    assert all(r["address"] is None or r["address"].endswith("***") for r in rows)
    grant_id = approved.json()["id"]
    assert client.post(f"/api/v1/grants/{grant_id}/revoke", headers=_h(province)).status_code == 200
    assert client.get(url, headers=_h(city)).status_code == 403


def test_reject_share_request_requires_reason(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    city, province = token_for(engine, settings, "320500"), token_for(engine, settings, "320000")
    request_id = _request(client, city, [])
    path = f"/api/v1/share-requests/{request_id}/reject"
    assert client.post(path, headers=_h(province), json={"reason": " "}).status_code == 422
    r = client.post(path, headers=_h(province), json={"reason": "超出职责范围"})
    assert r.json()["status"] == "rejected"


def test_approve_share_request_refused_for_non_provider(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    city, other = token_for(engine, settings, "320500"), token_for(engine, settings, "320100")
    request_id = _request(client, city, [])
    r = client.post(f"/api/v1/share-requests/{request_id}/approve", headers=_h(other), json={})
    assert r.status_code == 403


def test_list_share_requests_overdue_after_ten_working_days(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    city = token_for(engine, settings, "320500")
    _request(client, city, [])
    listed = client.get("/api/v1/share-requests", headers=_h(city)).json()
    due = date.fromisoformat(listed[0]["due_on"])
    assert due == add_working_days(china_date(utcnow()), 10)
    overdue = client.get("/api/v1/share-requests?overdue=true", headers=_h(city)).json()
    assert overdue == []


def test_add_working_days_skips_weekends() -> None:
    assert add_working_days(date(2026, 11, 27), 10) == date(2026, 12, 11)  # Friday → Friday
