"""Change feed and row scope: rows that move out of a city's regions reach it as deletions.

Moves are made through the connectors' loader (the path pulls and uploads take) and through
the ORM; the feed of the region a row left carries a key-only deletion, the feed of the region
it arrived in an upsert, and a client replaying its feed ends with exactly its scoped view.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session

from connectors import loader, runs
from hub.services.exchange.uploads import stream_for
from hub.settings import Settings
from schemas.aid import AidPayment
from schemas.people import Student
from schemas.schools import School
from tests.services.exchange.factories import grant_dataset, seed_province

NANJING, SUZHOU = "320100", "320500"


def _token(client: TestClient, client_id: str, secret: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _feed(client: TestClient, h: dict[str, str], code: str, since: int) -> tuple[list[Any], int]:
    out: list[Any] = []
    while True:
        page = client.get(f"/api/v1/datasets/{code}/changes?since={since}&limit=2", headers=h)
        assert page.status_code == 200, page.text
        body = page.json()
        out += body["changes"]
        since = body["next"]
        if not body["more"]:
            return out, since


def _replay(changes: list[Any], mirror: dict[Any, Any] | None = None) -> dict[Any, Any]:
    """What a mirror holds after applying the changes (deleted rows dropped)."""
    held = dict(mirror or {})
    for change in changes:
        key = tuple(change["key"])
        if change["op"] == "delete":
            held.pop(key, None)
        else:
            held[key] = change["record"]
    return held


def _rows(records: Any) -> list[bytes]:
    return sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in records)


def _scoped(client: TestClient, h: dict[str, str], code: str) -> list[bytes]:
    """The rows the province serves this client now (records have no surrogate key)."""
    body = client.get(f"/api/v1/datasets/{code}/records?limit=10000", headers=h).json()
    return _rows(body["data"])


def _held(changes: list[Any], mirror: dict[Any, Any] | None = None) -> list[bytes]:
    return _rows(_replay(changes, mirror).values())


def _load(engine: Engine, table: str, rows: list[dict[str, Any]]) -> loader.LoadResult:
    """Write rows through the connectors' loader, as a pull or an upload does."""
    stream = stream_for(table)
    with engine.begin() as conn:
        run_id = runs.start_run(conn, "test:moves", {})
        records = [{c: r[c] for c in stream.columns} for r in rows]
        result = loader.load_batch(conn, stream, records, run_id=run_id, source_system="test")
        runs.finish_run(conn, run_id, status="ok", counts={}, bytes_read=0, state_after={})
    return result


def _row(engine: Engine, model: Any, **where: Any) -> dict[str, Any]:
    table = model.__table__
    with engine.connect() as conn:
        stmt = select(table).where(*[table.c[k] == v for k, v in where.items()])
        return dict(conn.execute(stmt).mappings().one())


def test_pupil_transfer_is_a_deletion_for_the_city_it_left(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    province = seed_province(engine, pupils_per_school=3)
    nj = _token(client, *grant_dataset(engine, settings, NANJING, "students"))
    sz = _token(client, *grant_dataset(engine, settings, SUZHOU, "students"))
    nj_aid = _token(client, *grant_dataset(engine, settings, NANJING, "aid_payments"))
    sz_aid = _token(client, *grant_dataset(engine, settings, SUZHOU, "aid_payments"))
    seen, nj_next = _feed(client, nj, "students", 0)
    mirror = _replay(seen)
    assert len(mirror) == 3
    aid_seen, aid_next = _feed(client, nj_aid, "aid_payments", 0)
    _, sz_next = _feed(client, sz, "students", 0)
    _, sz_aid_next = _feed(client, sz_aid, "aid_payments", 0)

    pupil = _row(engine, Student, school_code=province.school_of_city[NANJING], name="张10")
    moved = {**pupil, "school_code": province.school_of_city[SUZHOU]}
    assert _load(engine, "students", [moved]).updated == 1

    left, _ = _feed(client, nj, "students", nj_next)
    assert left == [
        {"op": "delete", "version": left[0]["version"], "key": [pupil["id"]], "record": None,
         "scope": "left"}
    ]  # fmt: skip
    assert _held(left, mirror) == _scoped(client, nj, "students")
    assert len(_scoped(client, nj, "students")) == 2
    arrived, _ = _feed(client, sz, "students", sz_next)
    assert [(c["op"], c["key"], c["record"]["school_code"]) for c in arrived] == [
        ("upsert", [pupil["id"]], province.school_of_city[SUZHOU])
    ]
    # the pupil's aid payments are located through the pupil: they moved too
    payment = _row(engine, AidPayment, xjh=pupil["xjh"])
    aid_left, _ = _feed(client, nj_aid, "aid_payments", aid_next)
    assert [(c["op"], c["key"], c["record"]) for c in aid_left] == [
        ("delete", [payment["id"]], None)
    ]
    assert _held(aid_left, _replay(aid_seen)) == _scoped(client, nj_aid, "aid_payments")
    aid_arrived, _ = _feed(client, sz_aid, "aid_payments", sz_aid_next)
    assert [(c["op"], c["key"]) for c in aid_arrived] == [("upsert", [payment["id"]])]


def test_school_reassigned_to_another_city_takes_its_rows_along(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    province = seed_province(engine, pupils_per_school=2)
    codes = ["students", "teachers", "classes", "health_tests", "aid_payments"]
    nj = {c: _token(client, *grant_dataset(engine, settings, NANJING, c)) for c in codes}
    sz = {c: _token(client, *grant_dataset(engine, settings, SUZHOU, c)) for c in codes}
    before = {c: _feed(client, nj[c], c, 0) for c in codes}
    sz_before = {c: _feed(client, sz[c], c, 0) for c in codes}
    assert all(len(_replay(seen)) >= 1 for seen, _ in before.values())

    school = _row(engine, School, code=province.school_of_city[NANJING])
    moved = {**school, "county_adcode": province.county_of_city[SUZHOU]}
    assert _load(engine, "schools", [moved]).updated == 1

    for c in codes:
        seen, since = before[c]
        after, _ = _feed(client, nj[c], c, since)
        assert after, c
        assert {x["op"] for x in after} == {"delete"}, c
        assert all(x["record"] is None for x in after), c
        # Nanjing ends with its scoped view: only the closed school had nothing, so nothing
        assert _held(after, _replay(seen)) == _scoped(client, nj[c], c) == [], c
        sz_seen, sz_since = sz_before[c]
        arrived, _ = _feed(client, sz[c], c, sz_since)
        assert {x["op"] for x in arrived} == {"upsert"}, c
        assert _held(arrived, _replay(sz_seen)) == _scoped(client, sz[c], c), c


def test_move_inside_the_scope_is_no_deletion_but_a_county_grant_sees_it(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    province = seed_province(engine, pupils_per_school=2)
    first, other = province.county_of_city[NANJING], "320104"
    assert other != first
    city = _token(client, *grant_dataset(engine, settings, NANJING, "students"))
    # grants are per organisation: another one holds a grant for that one county
    county = _token(client, *grant_dataset(engine, settings, SUZHOU, "students", row_scope=[first]))
    _, city_next = _feed(client, city, "students", 0)
    county_seen, county_next = _feed(client, county, "students", 0)
    with Session(engine) as session:
        school = session.get(School, province.school_of_city[NANJING])
        assert school is not None
        school.county_adcode = other  # through the ORM this time
        session.add(school)
        session.commit()
    city_after, _ = _feed(client, city, "students", city_next)
    assert {c["op"] for c in city_after} == {"upsert"}  # new versions, still Nanjing's
    assert len(city_after) == 2
    county_after, _ = _feed(client, county, "students", county_next)
    assert [(c["op"], c["record"]) for c in county_after] == [("delete", None)] * 2
    assert _held(county_after, _replay(county_seen)) == _scoped(client, county, "students")


def test_moved_back_row_comes_back_as_an_upsert(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    province = seed_province(engine, pupils_per_school=2)
    nj = _token(client, *grant_dataset(engine, settings, NANJING, "students"))
    seen, since = _feed(client, nj, "students", 0)
    pupil = _row(engine, Student, school_code=province.school_of_city[NANJING], name="张10")
    away = {**pupil, "school_code": province.school_of_city[SUZHOU]}
    _load(engine, "students", [away])
    _load(engine, "students", [{**pupil, "name": "张回来"}])
    later, _ = _feed(client, nj, "students", since)
    # the move out is superseded: the row is in scope again, with its new values
    assert [(c["op"], c["record"]["name"]) for c in later] == [("upsert", "张回来")]
    assert _held(later, _replay(seen)) == _scoped(client, nj, "students")
    # replayed from scratch, the feed holds the row once, as it is now
    full, _ = _feed(client, nj, "students", 0)
    assert _held(full) == _scoped(client, nj, "students")


def test_pupil_arriving_after_its_aid_payment_brings_it_into_scope(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    province = seed_province(engine, pupils_per_school=1)
    nj = _token(client, *grant_dataset(engine, settings, NANJING, "aid_payments"))
    template = _row(engine, AidPayment, payment_id="P01000")
    pupil = _row(engine, Student, xjh=template["xjh"])
    xjh = "G320101201601010991"
    _load(engine, "aid_payments", [{**template, "payment_id": "P-NEW", "xjh": xjh}])
    seen, since = _feed(client, nj, "aid_payments", 0)
    assert len(_replay(seen)) == 1  # the payment's pupil is nowhere yet
    arrival = {**pupil, "xjh": xjh, "school_code": province.school_of_city[NANJING]}
    assert _load(engine, "students", [arrival]).inserted == 1
    later, _ = _feed(client, nj, "aid_payments", since)
    assert [(c["op"], c["record"]["payment_id"]) for c in later] == [("upsert", "P-NEW")]
    assert _held(later, _replay(seen)) == _scoped(client, nj, "aid_payments")


def test_moved_out_deletion_reveals_nothing_of_the_new_place(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    province = seed_province(engine, pupils_per_school=1)
    nj = _token(client, *grant_dataset(engine, settings, NANJING, "students"))
    _, since = _feed(client, nj, "students", 0)
    pupil = _row(engine, Student, school_code=province.school_of_city[NANJING])
    _load(engine, "students", [{**pupil, "school_code": province.school_of_city[SUZHOU]}])
    raw = client.get(f"/api/v1/datasets/students/changes?since={since}", headers=nj).content
    body = orjson.loads(raw)
    assert [c["key"] for c in body["changes"]] == [[pupil["id"]]]
    for secret in (province.school_of_city[SUZHOU], province.county_of_city[SUZHOU], "320500"):
        assert secret.encode() not in raw
