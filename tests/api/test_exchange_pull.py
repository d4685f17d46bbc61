"""Pull API behaviours: keyset pages, ETag, the change feed, audit fail-closed, usage."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from hub.services.exchange import audit
from hub.settings import Settings
from schemas.schools import School
from tests.services.exchange.factories import seed_province, token_for


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_records_keyset_pages_cover_dataset_once(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    seed_province(engine)
    h = _h(token_for(engine, settings, "320300"))
    seen: list[str] = []
    url = "/api/v1/datasets/schools/records?limit=5&sort=-county_adcode"
    while url:
        page = client.get(url, headers=h).json()
        seen += [r["code"] for r in page["data"]]
        cursor = page["next_cursor"]
        url = f"/api/v1/datasets/schools/records?limit=5&sort=-county_adcode&cursor={cursor}"
        url = url if cursor else ""
    assert len(seen) == len(set(seen)) == 26


def test_records_answer_304_for_matching_etag(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    seed_province(engine)
    h = _h(token_for(engine, settings, "320300"))
    first = client.get("/api/v1/datasets/schools/records", headers=h)
    again = client.get(
        "/api/v1/datasets/schools/records", headers={**h, "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


def test_changes_report_deletions_and_next_version(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    seed_province(engine)
    h = _h(token_for(engine, settings, "320300"))
    first = client.get("/api/v1/datasets/schools/changes?since=0&limit=1000", headers=h).json()
    with Session(engine) as session:
        school = session.get(School, "2132030001")
        assert school is not None
        school.is_deleted = True
        session.add(school)
        session.commit()
    later = client.get(f"/api/v1/datasets/schools/changes?since={first['next']}", headers=h).json()
    assert [(c["op"], c["key"]) for c in later["changes"]] == [("delete", ["2132030001"])]
    assert later["next"] > first["next"]


def test_records_fail_closed_when_audit_write_fails(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    seed_province(engine)
    h = _h(token_for(engine, settings, "320300"))
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log RENAME TO audit_log_gone"))
    for url in ("/api/v1/datasets/schools/records", "/api/v1/datasets/schools/export.csv"):
        r = client.get(url, headers=h)
        assert r.status_code == 503
        assert b"2132010001" not in r.content


def test_records_are_audited_with_rows_and_bytes(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    seed_province(engine)
    h = _h(token_for(engine, settings, "320300"))
    body = client.get("/api/v1/datasets/schools/records", headers=h).content
    exported = client.get("/api/v1/datasets/schools/export.ndjson", headers=h).content
    usage = client.get("/api/v1/stats/usage", headers=h).json()
    assert usage == [
        {
            "dataset": "30700101/001",
            "org_code": "320300",
            "requests": 2,
            "rows": 52,
            "bytes": len(body) + len(exported),
        }
    ]
    with Session(engine) as session:
        assert audit.verify(session=session).ok
