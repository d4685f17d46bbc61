"""The loader's bulk path stores exactly what SQLAlchemy's ``conn.execute(stmt, rows)`` stores,
for every kind of value the unified tables hold, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)

from connectors.loader import executemany

META = MetaData()


def _table(name: str) -> Table:
    return Table(
        name,
        META,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("text", String(40)),
        Column("day", Date),
        Column("stamp", DateTime(timezone=True)),
        Column("flag", Boolean),
        Column("ratio", Float),
        Column("money", Numeric(12, 2)),
        Column("extra", JSON),
    )


FAST, SLOW = _table("bulk_fast"), _table("bulk_slow")


@pytest.fixture
def tables(engine: Engine) -> Iterator[None]:
    META.create_all(engine)
    yield
    META.drop_all(engine)


def _rows() -> list[dict[str, Any]]:
    now = datetime(2026, 11, 29, 9, 30, 12, 345678, tzinfo=UTC)
    return [
        {"id": i, "text": f"学生{i}" if i % 3 else None, "day": date(2015, 3, 1 + i % 28),
         "stamp": now, "flag": bool(i % 2), "ratio": i / 7 if i % 4 else None,
         "money": Decimal("12.50") * i, "extra": {"k": [i, "值"]} if i % 5 else None}
        for i in range(1, 60)
    ]  # fmt: skip


def _read(engine: Engine, table: Table) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]


@pytest.mark.usefixtures("tables")
def test_bulk_insert_and_update_store_what_sqlalchemy_stores(engine: Engine) -> None:
    with engine.begin() as conn:
        with patch.object(Connection, "execute", side_effect=AssertionError("took the slow path")):
            executemany(conn, insert(FAST), _rows())
        conn.execute(insert(SLOW), _rows())
    fast, slow = _read(engine, FAST), _read(engine, SLOW)
    assert fast == slow
    assert len(fast) == 59

    changes = [
        {"_pk": i, "text": "改", "flag": not bool(i % 2), "day": date(2016, 1, 2), "ratio": 0.5}
        for i in range(1, 60, 2)
    ]
    with engine.begin() as conn:
        with patch.object(Connection, "execute", side_effect=AssertionError("took the slow path")):
            executemany(conn, update(FAST).where(FAST.c.id == bindparam("_pk")), changes)
        conn.execute(update(SLOW).where(SLOW.c.id == bindparam("_pk")), changes)
    fast, slow = _read(engine, FAST), _read(engine, SLOW)
    assert fast == slow
    assert fast[0][1:3] == ("改", date(2016, 1, 2))


@pytest.mark.usefixtures("tables")
def test_bulk_insert_rolls_back_with_its_transaction(engine: Engine) -> None:
    def failing_batch() -> None:
        with engine.begin() as conn:
            executemany(conn, insert(FAST), _rows())
            raise RuntimeError("the batch fails after its writes")

    with pytest.raises(RuntimeError):
        failing_batch()
    assert _read(engine, FAST) == []


@pytest.mark.usefixtures("tables")
def test_postgresql_inserts_go_through_copy(engine: Engine) -> None:
    """A bulk INSERT on PostgreSQL is a COPY (and stores what the INSERT would: see above);
    SQLite and UPDATEs keep the cursor's executemany."""
    import connectors.loader as loader

    copied: list[str] = []
    copy = loader._copy

    def spy(conn: Connection, table: Table, names: list[str], rows: list[Any]) -> None:
        copied.append(table.name)
        copy(conn, table, names, rows)

    with patch.object(loader, "_copy", spy), engine.begin() as conn:
        executemany(conn, insert(FAST), _rows())
        executemany(
            conn, update(FAST).where(FAST.c.id == bindparam("_pk")), [{"_pk": 1, "text": "x"}]
        )
    assert copied == (["bulk_fast"] if engine.dialect.name == "postgresql" else [])
    assert len(_read(engine, FAST)) == 59
