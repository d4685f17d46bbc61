"""Quarantine lookups during a pull, on PostgreSQL: finding a batch's open entries.

Every batch a connector loads asks which of its record keys have open quarantine entries (to
settle them, or not to write a re-read record twice). A throw-away database is migrated and
given ``--open`` open entries of one stream, written as a pull writes them, with autovacuum off
so that the table has no statistics yet (as during a pull, before autovacuum analyses it); then
``--batches`` lookups of 5,000 keys each (50 of them open) run three ways, in the same process,
once so and once more after ``ANALYZE``:

- baseline: read the stream's open entries and match the keys in Python (what the hub did);
- prepared: ``record_key = ANY(:keys)`` as psycopg runs it by default (prepared from the fifth
  execution; the server may then reuse a generic plan);
- hub: ``connectors.quarantine`` as it is (the same filter, planned with its keys each time).

Prints milliseconds per lookup (the mean: a pull makes hundreds, psycopg prepares a statement
from its fifth execution and the server tries a generic plan from the sixth after that) and
each way's ratio to the baseline.

    .venv/bin/python bench/quarantine.py [--open 100000] [--batches 16]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, insert, select
from throwaway import postgresql_database

from connectors import quarantine
from hub.storage import migrate
from hub.storage.engine import make_engine
from schemas import keysets
from schemas.base import utcnow
from schemas.runs import ConnectorRun

TABLE = quarantine.TABLE
# as ``quarantine.resolve_keys`` asks: this stream's entries from runs before this one
WHERE = (
    TABLE.c.connector == "student_registry",
    TABLE.c.stream == "students",
    TABLE.c.run_id != 2,
)


def baseline(conn: Connection, keys: set[str]) -> list[Any]:
    base = select(TABLE.c.id, TABLE.c.record_key).where(TABLE.c.resolved_run_id.is_(None), *WHERE)
    return [row for row in conn.execute(base) if row[1] in keys]


def prepared(conn: Connection, keys: set[str]) -> list[Any]:
    base = select(TABLE.c.id, TABLE.c.record_key).where(TABLE.c.resolved_run_id.is_(None), *WHERE)
    return list(conn.execute(base.where(keysets.values_in(conn, TABLE.c.record_key, keys))))


def hub(conn: Connection, keys: set[str]) -> list[Any]:
    return quarantine._open(conn, keys, (TABLE.c.id, TABLE.c.record_key), *WHERE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--batches", type=int, default=16)
    args = parser.parse_args()
    with postgresql_database("eduhub_bench_q") as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        keys = [f"G{i:017d}" for i in range(args.open)]
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE quarantine SET (autovacuum_enabled = false)")
            run = ConnectorRun.__table__  # type: ignore[attr-defined]
            run_id = conn.execute(
                insert(run)
                .values(connector="student_registry", started_at=utcnow())
                .returning(run.c.id)
            ).scalar_one()
            conn.execute(
                insert(TABLE),
                [
                    {
                        "run_id": run_id,
                        "connector": "student_registry",
                        "stream": "students",
                        "source": f"学籍_{i % 96}.xlsx",
                        "locator": {"row": i},
                        "record_key": key,
                        "raw": {},
                        "rule": "id_check_digit",
                        "message": "身份证件号校验位错误",
                        "created_at": utcnow(),
                    }
                    for i, key in enumerate(keys)
                ],
            )
        rng = random.Random(1)
        batches = [
            set(rng.sample(keys, 50)) | {f"N{b:03d}{i:05d}" for i in range(4_950)}
            for b in range(args.batches)
        ]
        ways: dict[str, Callable[[Connection, set[str]], list[Any]]] = {
            "baseline (read all, match in Python)": baseline,
            "prepared = ANY(:keys)": prepared,
            "hub (planned with its keys)": hub,
        }
        results: dict[str, dict[str, float]] = {}
        for phase in ("no statistics", "after ANALYZE"):
            if phase == "after ANALYZE":
                with engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE quarantine")
            results[phase] = {}
            for label, way in ways.items():
                with engine.connect() as conn:  # a fresh connection: nothing prepared yet
                    times = []
                    for wanted in batches:
                        started = time.perf_counter()
                        found = way(conn, wanted)
                        times.append(time.perf_counter() - started)
                        if len(found) != 50:
                            raise SystemExit(f"{label}: found {len(found)} entries, not 50")
                results[phase][label] = statistics.mean(times)
        engine.dispose()
    print(f"{args.open} open entries, {args.batches} lookups of 5,000 keys (mean):")
    for phase, medians in results.items():
        base = medians["baseline (read all, match in Python)"]
        print(f"{phase}:")
        for label, seconds in medians.items():
            print(f"  {label:<38}{seconds * 1000:>9.1f} ms{seconds / base:>8.2f}x baseline")


if __name__ == "__main__":
    main()
