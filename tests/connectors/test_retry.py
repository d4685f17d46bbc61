"""A payment refused because its pupil's registry row was broken loads once the registry is fixed,
though the exchange database never sends the unchanged payment again (``connectors/retry.py``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from connectors import runner
from connectors.config import load_sources
from connectors.registry import connectors
from connectors.runs import Counts
from schemas import AidPayment, QuarantineRecord
from tests.conftest import TEST_KEY
from tests.connectors import factories as fx

PAYMENTS = AidPayment.__table__  # type: ignore[attr-defined]
QUARANTINE = QuarantineRecord.__table__  # type: ignore[attr-defined]
A, B, C = fx.id_number(seq="101"), fx.id_number(seq="202"), fx.id_number(seq="303")


def write_exchange(folder: Path, payments: list[tuple[str, str]]) -> None:
    with sqlite3.connect(folder / "exchange.db") as db:
        db.execute(
            "CREATE TABLE xszz_ffmx (id TEXT PRIMARY KEY, xjh TEXT, xm TEXT, zzxm TEXT, je NUMERIC,"
            " xn TEXT, xq TEXT, ffrq TEXT, update_time TEXT NOT NULL, is_deleted INTEGER NOT NULL"
            " DEFAULT 0)"
        )
        db.execute(
            "CREATE TABLE jdlk_pkh (id TEXT PRIMARY KEY, sfzjh TEXT, hzxm TEXT, xzqh TEXT,"
            " pkhsx TEXT, update_time TEXT NOT NULL, is_deleted INTEGER NOT NULL DEFAULT 0)"
        )
        db.executemany(
            "INSERT INTO xszz_ffmx VALUES (?, ?, '张三', '国家助学金', 1000, '2026-2027', '1',"
            " '2026-09-12', '2026-09-14 08:00:00', 0)",
            payments,
        )


def pull(engine: Engine, folder: Path, *names: str) -> dict[str, Counts]:
    path = fx.write_sources(folder)
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  student_aid: {transport: exchange_db, url: 'sqlite:///exchange.db',"
        " tables: [xszz_ffmx, jdlk_pkh]}\n",
        encoding="utf-8",
    )
    sources, every = load_sources(path), connectors()
    return {
        name: runner.run_connector(
            engine, every[name], sources.sources[name], id_key=TEST_KEY.encode()
        ).counts
        for name in names
    }


def state(engine: Engine) -> tuple[set[str], list[dict[str, Any]]]:
    with engine.connect() as conn:
        paid = set(conn.execute(select(PAYMENTS.c.xjh)).scalars())
        entries = [dict(r) for r in conn.execute(select(QUARANTINE)).mappings()]
    return paid, [e for e in entries if e["connector"] == "student_aid"]


def test_payment_for_a_pupil_refused_by_the_registry_loads_once_the_pupil_is_fixed(
    engine: Engine, tmp_path: Path
) -> None:
    fx.write_schools(tmp_path, [fx.school_row()])
    broken = fx.pupil(B, 身份证件号=fx.wrong_check(B))  # the registry refuses pupil B
    fx.write_pupils(tmp_path, [fx.pupil(A), broken], month="202609")
    write_exchange(tmp_path, [("P1", "G" + A), ("P2", "G" + B), ("P3", "G" + C)])
    pull(engine, tmp_path, "institution_codes", "student_registry", "student_aid")
    paid, entries = state(engine)
    assert paid == {"G" + A}
    assert {(e["record_key"], e["rule"]) for e in entries if e["resolved_run_id"] is None} == {
        ("P2", "student.unknown"),
        ("P3", "student.unknown"),
    }

    fx.write_pupils(tmp_path, [fx.pupil(A), fx.pupil(B)], month="202610")  # B fixed, C never
    counts = pull(engine, tmp_path, "student_registry", "student_aid")["student_aid"]
    paid, entries = state(engine)
    assert paid == {"G" + A, "G" + B}
    assert (counts.read, counts.inserted, counts.quarantined) == (1, 1, 0)
    still_open = {e["record_key"] for e in entries if e["resolved_run_id"] is None}
    assert still_open == {"P3"}

    counts = pull(engine, tmp_path, "student_aid")["student_aid"]
    assert (counts.read, counts.inserted) == (0, 0)  # nothing left to retry, nothing new
