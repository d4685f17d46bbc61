"""Change-feed cursors the hub can no longer continue: 410, then a fresh start from since=0.

A row-scoped client whose cursor is older than the pruned ``scope_moves`` would miss the
deletions of rows that left its regions; a client whose grant changed since its last page
would keep rows of regions it lost, miss rows of regions it gained and keep fields as they
were masked. Both get ``410 cursor-expired``; starting again from 0 gives exactly the rows
the hub serves it now.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from hub.settings import Settings
from schemas import scoping
from schemas.base import utcnow
from schemas.exchange import Grant, ScopeMove
from schemas.people import Student
from tests.api.test_exchange_moves import (
    NANJING,
    SUZHOU,
    _feed,
    _held,
    _load,
    _row,
    _scoped,
    _token,
)
from tests.services.exchange.factories import grant_dataset, make_client, seed_province


def _changes(client: TestClient, h: dict[str, str], since: int) -> tuple[int, Any]:
    r = client.get(f"/api/v1/datasets/students/changes?since={since}&limit=100", headers=h)
    return r.status_code, r.json()


def _regrant(engine: Engine, org: str, **changes: object) -> None:
    """A newer grant for the org's latest one, with some terms changed (what a new approval
    replacing the old one gives)."""
    with Session(engine) as session:
        old = session.exec(
            orm_select(Grant).where(col(Grant.org_code) == org).order_by(col(Grant.id).desc())
        ).first()
        assert old is not None
        values = old.model_dump(exclude={"id"})
        values.update(changes)
        session.add(Grant(**values))
        session.commit()


def test_pruned_moves_expire_older_cursors_of_row_scoped_callers(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    province = seed_province(engine, pupils_per_school=3)
    nj = _token(client, *grant_dataset(engine, settings, NANJING, "students"))
    _, since = _feed(client, nj, "students", 0)
    pupil = _row(engine, Student, school_code=province.school_of_city[NANJING], name="张10")
    _load(engine, "students", [{**pupil, "school_code": province.school_of_city[SUZHOU]}])

    with engine.begin() as conn:  # a recent move is kept
        assert scoping.prune_moves(conn, utcnow() - timedelta(days=1)) == 0
        assert scoping.moves_horizon(conn) == (0, None)
    status, body = _changes(client, nj, since)
    assert status == 200
    assert [c["key"] for c in body["changes"]] == [[pupil["id"]]]

    with engine.begin() as conn:
        recorded = len(conn.execute(select(ScopeMove.__table__)).all())  # type: ignore[attr-defined]
        assert recorded >= 1  # the pupil's move (and its dependents')
        assert scoping.prune_moves(conn, utcnow() + timedelta(seconds=1)) == recorded
        horizon, _ = scoping.moves_horizon(conn)
        assert conn.execute(select(ScopeMove.__table__)).all() == []  # type: ignore[attr-defined]
    assert horizon > since
    status, problem = _changes(client, nj, since)
    assert status == 410
    assert problem["type"].endswith("/cursor-expired")
    assert problem["horizon"] == horizon
    assert "since=0" in problem["detail"]

    fresh, next_ = _feed(client, nj, "students", 0)  # the way back: an empty copy, from 0
    assert _held(fresh) == _scoped(client, nj, "students")
    assert len(_scoped(client, nj, "students")) == 2
    assert _changes(client, nj, next_)[0] == 200  # and on from there
    # a caller without a row scope never needed the moves: its cursor stays good
    provider = _token(client, *make_client(engine, "320000"))
    status, _ = _changes(client, provider, since)
    assert status == 200


def test_prune_keeps_newer_moves_and_never_lowers_the_horizon(engine: Engine) -> None:
    moves = ScopeMove.__table__  # type: ignore[attr-defined]
    old, new = utcnow() - timedelta(days=200), utcnow()
    with engine.begin() as conn:
        conn.execute(
            moves.insert(),
            [
                {"table_name": "students", "row_pk": "1", "old_region": "320115",
                 "change_version": 5, "moved_at": old},
                {"table_name": "students", "row_pk": "2", "old_region": "320115",
                 "change_version": 9, "moved_at": new},
            ],
        )  # fmt: skip
        assert scoping.prune_moves(conn, utcnow() - timedelta(days=90)) == 1
        assert scoping.moves_horizon(conn)[0] == 5
        assert [r.row_pk for r in conn.execute(select(moves))] == ["2"]
        assert scoping.prune_moves(conn, utcnow() - timedelta(days=90)) == 0
        assert scoping.moves_horizon(conn)[0] == 5


def test_a_changed_grant_expires_the_cursor_until_the_client_starts_again(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    province = seed_province(engine, pupils_per_school=3)
    nj = _token(client, *grant_dataset(engine, settings, NANJING, "students"))
    _, since = _feed(client, nj, "students", 0)
    assert len(_scoped(client, nj, "students")) == 3

    county = province.county_of_city[NANJING]
    _regrant(engine, NANJING, row_scope=[county])  # narrower: one county of the city
    status, problem = _changes(client, nj, since)
    assert status == 410
    assert problem["type"].endswith("/cursor-expired")
    assert "lost 320100" in problem["detail"]
    assert county not in problem["detail"]
    assert _changes(client, nj, since)[0] == 410  # until it starts again
    fresh, since = _feed(client, nj, "students", 0)
    assert _held(fresh) == _scoped(client, nj, "students")
    assert _changes(client, nj, since)[0] == 200

    _regrant(engine, NANJING, fields=[])  # personal fields masked from now on
    status, problem = _changes(client, nj, since)
    assert status == 410
    assert "masked or unmasked" in problem["detail"]
    fresh, since = _feed(client, nj, "students", 0)
    assert _held(fresh) == _scoped(client, nj, "students")
    assert all(r["record"]["name"] != "张10" for r in fresh)  # masked in the new copy

    _regrant(engine, NANJING, row_scope=[NANJING, SUZHOU], fields=[])  # wider
    status, problem = _changes(client, nj, since)
    assert status == 410
    assert "regions gained 320100" in problem["detail"]
    assert "more" in problem["detail"]  # a city's counties are not all listed


def test_pull_service_prunes_moves_older_than_the_setting(
    engine: Engine, settings: Settings
) -> None:
    from hub.services.pull import prune_moves

    moves = ScopeMove.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(
            moves.insert(),
            [
                {"table_name": "students", "row_pk": str(i), "old_region": "320115",
                 "change_version": i, "moved_at": utcnow() - timedelta(days=days)}
                for i, days in ((1, 120), (2, 91), (3, 89))
            ],
        )  # fmt: skip
    assert settings.scope_moves_keep_days == 90
    assert prune_moves(engine=engine, settings=settings) == 2
    with engine.connect() as conn:
        assert [r.row_pk for r in conn.execute(select(moves))] == ["3"]
        assert scoping.moves_horizon(conn)[0] == 2
