"""Quarantine entries found by record key, on both backends: a batch's lookups stay exact however
many times the same statement runs (PostgreSQL plans each with its keys: schemas.keysets)."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, insert, select

from connectors import quarantine
from connectors.streams import Reject, SourceRecord
from schemas.base import utcnow
from schemas.runs import ConnectorRun

RUNS = ConnectorRun.__table__  # type: ignore[attr-defined]


def _run(engine: Engine) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(RUNS).values(connector="student_registry", started_at=utcnow())
            ).inserted_primary_key[0]
        )


def _entries(keys: list[str]) -> list[tuple[SourceRecord, Reject, str]]:
    return [
        (
            SourceRecord({"全国学籍号": k}, {"row": i + 3}),
            Reject("id_check_digit", "身份证件号校验位错误", "身份证件号"),
            k,
        )
        for i, k in enumerate(keys)
    ]


def _write(conn: Connection, run_id: int, keys: list[str]) -> tuple[int, set[int]]:
    return quarantine.write(
        conn,
        run_id=run_id,
        connector="student_registry",
        stream="students",
        source="学籍_320102_202609.xlsx",
        partition="320102",
        entries=_entries(keys),
    )


def test_re_reads_and_fixes_find_exactly_their_open_entries_batch_after_batch(
    engine: Engine,
) -> None:
    """Twenty batches (well past the executions after which psycopg prepares a statement and
    the server may switch to a generic plan) each re-read 3 refused records of a first run and
    load 2 others cleanly: every lookup finds exactly those entries."""
    first = _run(engine)
    keys = [f"G32010220150301{i:04d}" for i in range(200)]
    with engine.begin() as conn:
        assert _write(conn, first, keys) == (200, set())
    with engine.connect() as conn:
        ids = dict(conn.execute(select(quarantine.TABLE.c.record_key, quarantine.TABLE.c.id)).all())
    second = _run(engine)
    settled: set[str] = set()
    for batch in range(20):
        again = keys[batch * 10 : batch * 10 + 3]
        fixed = keys[batch * 10 + 3 : batch * 10 + 5]
        strangers = [f"N{batch:02d}{i:04d}" for i in range(50)]
        with engine.begin() as conn:
            assert _write(conn, second, again) == (3, {ids[k] for k in again})
            n = quarantine.resolve_keys(
                conn,
                run_id=second,
                connector="student_registry",
                stream="students",
                keys=[*fixed, *strangers, *settled],  # settled ones are no longer open
            )
            assert n == 2
        settled.update(fixed)
    with engine.connect() as conn:
        rows = conn.execute(
            select(quarantine.TABLE.c.record_key, quarantine.TABLE.c.resolved_run_id)
        ).all()
    assert len(rows) == 200  # nothing written twice
    assert {k for k, r in rows if r == second} == settled
    assert {k for k, r in rows if r is None} == set(keys) - settled
