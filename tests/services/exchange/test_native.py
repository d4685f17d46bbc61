"""The native CSV paths give the same rows as the records endpoint (scope and masks included)."""

from __future__ import annotations

import csv
import io
from datetime import date

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.services.exchange import clients, native, shares
from hub.settings import Settings
from tests.services.exchange.factories import seed_province, token_for


def _grant(
    engine: Engine, settings: Settings, city_token: str, province_token: str, fields: list[str]
) -> None:
    with Session(engine) as session:
        city = clients.authenticate(session=session, settings=settings, token=city_token)
        prov = clients.authenticate(session=session, settings=settings, token=province_token)
        req = shares.submit(
            session=session, settings=settings, caller=city, dataset="students",
            purpose="p", legal_basis="b", fields=fields,
            period_start=date(2026, 1, 1), period_end=date(2099, 1, 1),
        )  # fmt: skip
        assert req.id is not None
        shares.approve(session=session, caller=prov, request_id=req.id)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def test_export_csv_native_path_matches_records(
    client: TestClient, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(native, "NATIVE_MIN_ROWS", 1)
    seed_province(engine, pupils_per_school=3)
    city, province = token_for(engine, settings, "320400"), token_for(engine, settings, "320000")
    _grant(engine, settings, city, province, ["name", "poor_household"])
    h = {"Authorization": f"Bearer {city}"}
    query = "fields=xjh,name,school_code,poor_household,home_lon&school_code__in=2132040001,x"
    exported = client.get(f"/api/v1/datasets/students/export.csv?{query}", headers=h)
    assert exported.status_code == 200, exported.text
    got = list(csv.DictReader(io.StringIO(exported.text)))
    records = client.get(f"/api/v1/datasets/students/records?{query}", headers=h).json()["data"]
    want = [{k: _text(v) for k, v in r.items()} for r in records]
    assert len(got) == 3
    assert got == want


def test_export_ndjson_native_path_matches_records(
    client: TestClient, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(native, "NATIVE_MIN_ROWS", 1)
    seed_province(engine, pupils_per_school=3)
    city, province = token_for(engine, settings, "320400"), token_for(engine, settings, "320000")
    _grant(engine, settings, city, province, ["name", "poor_household", "birth_date", "xjh"])
    h = {"Authorization": f"Bearer {city}"}
    query = (
        "fields=xjh,name,birth_date,poor_household,home_lon,id_hash,address&school_code=2132040001"
    )
    exported = client.get(f"/api/v1/datasets/students/export.ndjson?{query}", headers=h)
    assert exported.status_code == 200, exported.text
    got = [orjson.loads(line) for line in exported.content.splitlines()]
    records = client.get(f"/api/v1/datasets/students/records?{query}", headers=h).json()["data"]
    assert len(got) == 3
    assert got == records


def test_export_ndjson_native_path_renders_money_as_text(
    client: TestClient, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(native, "NATIVE_MIN_ROWS", 1)
    seed_province(engine)
    h = {"Authorization": f"Bearer {token_for(engine, settings, '320000')}"}
    url = "/api/v1/datasets/aid_payments/export.ndjson?fields=payment_id,amount,paid_on"
    got = [orjson.loads(line) for line in client.get(url, headers=h).content.splitlines()]
    assert len(got) == 26
    assert {row["amount"] for row in got} == {"500.00"}


def test_sqlite_export_hands_the_next_one_a_started_worker(
    client: TestClient, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the worker process is the SQLite path's")
    monkeypatch.setattr(native, "NATIVE_MIN_ROWS", 1)
    seed_province(engine)
    h = {"Authorization": f"Bearer {token_for(engine, settings, '320000')}"}
    first = client.get("/api/v1/datasets/schools/export.csv", headers=h)
    spare = native._spare
    assert spare is not None
    assert spare.poll() is None  # waiting for its job
    second = client.get("/api/v1/datasets/schools/export.csv", headers=h)
    assert second.text == first.text
    assert len(first.text.splitlines()) == 27  # header and 26 schools
    assert spare.poll() == 0  # it ran the second export
    assert native._spare is not None
    assert native._spare is not spare
