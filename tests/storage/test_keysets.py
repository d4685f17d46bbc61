"""Key lookups with the keys as one parameter (schemas.keysets) find exactly what ``IN``
finds, on both backends, for text, integer and date keys, composite keys and none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import (
    Column,
    Date,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    insert,
    select,
)

from schemas import keysets

PROBE = Table(
    "keyset_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("xjh", String(19), nullable=False),
    Column("test_date", Date, nullable=False),
    Column("note", String(20)),
    UniqueConstraint("xjh", "test_date"),
)
TESTS = PROBE
DAY = date(2026, 9, 1)


@pytest.fixture
def engine(engine: Engine) -> Iterator[Engine]:
    """The hub's database with a table of text, date and integer keys of its own."""
    PROBE.create(engine)
    rows = [("G1", DAY), ("G1", DAY + timedelta(days=1)), ("G2", DAY), ("G3", DAY)]
    with engine.begin() as conn:
        conn.execute(insert(PROBE), [{"xjh": x, "test_date": d, "note": "a"} for x, d in rows])
    yield engine
    PROBE.drop(engine)


def test_values_in_finds_text_keys_and_nothing_for_none(engine: Engine) -> None:
    with engine.connect() as conn:
        where = keysets.values_in(conn, TESTS.c.xjh, ["G1", "G3", "G9"])
        assert sorted(conn.execute(select(TESTS.c.xjh).where(where)).scalars()) == [
            "G1",
            "G1",
            "G3",
        ]
        assert (
            conn.execute(select(TESTS.c.xjh).where(keysets.values_in(conn, TESTS.c.xjh, []))).all()
            == []
        )


def test_rows_in_matches_composite_keys_with_dates(engine: Engine) -> None:
    cols = [TESTS.c.xjh, TESTS.c.test_date]
    wanted = [("G1", DAY + timedelta(days=1)), ("G2", DAY), ("G3", DAY + timedelta(days=5))]
    with engine.connect() as conn:
        found = conn.execute(select(*cols).where(keysets.rows_in(conn, cols, wanted))).all()
        single = keysets.rows_in(conn, [TESTS.c.xjh], [("G2",)])
        assert conn.execute(select(TESTS.c.xjh).where(single)).scalars().all() == ["G2"]
    assert sorted(tuple(r) for r in found) == [("G1", DAY + timedelta(days=1)), ("G2", DAY)]


def test_values_in_integer_keys_in_an_update(engine: Engine) -> None:
    with engine.begin() as conn:
        ids = conn.execute(select(TESTS.c.id).order_by(TESTS.c.id)).scalars().all()
        picked = keysets.values_in(conn, TESTS.c.id, ids[:2])
        done = conn.execute(TESTS.update().where(picked).values(note="b"))
        assert done.rowcount == 2
        left = conn.execute(select(TESTS.c.id).where(TESTS.c.note == "a"))
        assert left.scalars().all() == ids[2:]


def test_chunks_cover_every_value_once() -> None:
    values = list(range(10))
    assert [list(c) for c in keysets.chunks(values, 4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert keysets.chunks([], 4) == []


def test_unprepared_plans_every_execution_and_restores_the_connection(engine: Engine) -> None:
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            driver = conn.connection.driver_connection
            before = driver.prepare_threshold  # type: ignore[union-attr]
            assert before is not None  # psycopg prepares from the fifth execution by default
            with keysets.unprepared(conn) as inside:
                assert inside is conn
                assert driver.prepare_threshold is None  # type: ignore[union-attr]
                where = keysets.values_in(conn, TESTS.c.xjh, ["G2"])
                for _ in range(12):
                    assert conn.execute(select(TESTS.c.xjh).where(where)).scalars().all() == ["G2"]
            assert driver.prepare_threshold == before  # type: ignore[union-attr]
            with pytest.raises(RuntimeError), keysets.unprepared(conn):
                raise RuntimeError("boom")
            assert driver.prepare_threshold == before  # type: ignore[union-attr]
        else:
            with keysets.unprepared(conn) as inside:
                assert inside is conn
