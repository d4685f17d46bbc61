"""Open data: no token needed, anonymous callers rate-limited, aggregates suppressed below 5."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session

from hub.api.app import create_app
from hub.services.exchange import ratelimit
from hub.settings import Settings
from schemas.schools import ClassSizeStat, School
from tests.services.exchange.factories import seed_province, token_for


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"open_rate_limit": 2}))) as c:
        yield c


def test_open_records_rate_limited_for_anonymous_callers(limited: TestClient) -> None:
    url = "/api/v1/datasets/open_school_directory/records"
    assert [limited.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert "retry-after" in limited.get(url).headers


def test_open_rate_limit_is_shared_by_worker_processes(
    limited: TestClient, settings: Settings
) -> None:
    """Two apps on one database, as ``serve --workers 2`` runs them: one budget per address."""
    url = "/api/v1/datasets/open_school_directory/records"
    with TestClient(create_app(settings.model_copy(update={"open_rate_limit": 2}))) as other:
        codes = [limited.get(url).status_code, other.get(url).status_code]
        codes += [other.get(url).status_code, limited.get(url).status_code]
    assert codes == [200, 200, 429, 429]


def test_rate_window_starts_afresh_each_minute_and_old_windows_go(engine: Engine) -> None:
    minute = 29_000_000 * 60.0
    assert ratelimit.hit(engine=engine, key="10.0.0.1", limit=1, now=minute + 5) == 1
    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.hit(engine=engine, key="10.0.0.1", limit=1, now=minute + 50)
    assert refused.value.extra["retry_after"] == 10
    assert ratelimit.hit(engine=engine, key="10.0.0.1", limit=1, now=minute + 65) == 1
    assert ratelimit.hit(engine=engine, key="10.0.0.2", limit=1, now=minute + 185) == 1
    table = ratelimit.TABLE
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.key, table.c.window, table.c.hits)).all()
    assert [tuple(r) for r in rows] == [("10.0.0.2", 29_000_003, 1)]


def test_open_records_not_rate_limited_with_token(
    limited: TestClient, engine: Engine, settings: Settings
) -> None:
    h = {"Authorization": f"Bearer {token_for(engine, settings, '320100')}"}
    url = "/api/v1/datasets/open_school_directory/records"
    assert {limited.get(url, headers=h).status_code for _ in range(4)} == {200}


def test_open_class_size_suppresses_small_counts(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    seed_province(engine)  # one school per county: 6 classes, 240 pupils, no large classes
    rows = client.get("/api/v1/datasets/open_class_size_by_county/records").json()["data"]
    assert len(rows) == 13
    assert all(r["students"] == 240 and r["classes"] == 6 for r in rows)
    assert all(r["large_classes"] == 0 and r["large_class_share"] == 0.0 for r in rows)


def test_open_school_directory_omits_closed_schools(client: TestClient, engine: Engine) -> None:
    seed_province(engine)
    codes = {r["code"] for r in client.get("/api/v1/datasets/30700108/002/records").json()["data"]}
    assert codes == {f"2132{n:02d}0001" for n in range(1, 14)}


def test_open_class_size_suppresses_cells_below_five(client: TestClient, engine: Engine) -> None:
    with Session(engine) as session:
        src: dict[str, Any] = {"source_system": "t", "source_key": "k"}
        session.add(School(code="2132019999", name="小", school_type="211",
                           county_adcode="320104", **src))  # fmt: skip
        session.flush()
        session.add(ClassSizeStat(school_code="2132019999", year=2026, grade="11", classes=1,
                                  students=3, le25=1, **src))  # fmt: skip
        src2 = {**src, "source_key": "k2"}
        session.add(ClassSizeStat(school_code="2132019999", year=2026, grade="12", classes=8,
                                  students=400, b56_60=2, **src2))  # fmt: skip
        session.commit()
    rows = client.get("/api/v1/datasets/open_class_size_by_county/records").json()["data"]
    tiny, few_large = rows
    assert (tiny["classes"], tiny["students"], tiny["large_class_share"]) == (None, None, None)
    assert (few_large["students"], few_large["large_classes"]) == (400, None)
    assert few_large["large_class_share"] is None
