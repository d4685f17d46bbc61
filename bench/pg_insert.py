"""PostgreSQL bulk inserts of pupils: where the server's time goes, and binary against text COPY.

A throw-away database is initialised (``eduhub init``: schema and regions) with one school and
one connector run; ``--rows`` pupil rows (the kinds of values the loader hands to ``COPY``:
text, dates, aware timestamps, floats, booleans, integers) are copied into ``students`` in
batches of 2,000, one transaction each, then truncated. Ways, in this order, in one process:

- baseline: text ``COPY``, as ``connectors.loader`` writes (psycopg adapts each value);
- binary ``COPY`` with the columns' types (psycopg formats a row about three times faster),
  alternating with the baseline run by run;
- then text ``COPY`` without the foreign key on ``run_id``, and without the foreign keys on
  ``run_id`` and ``school_code`` (what the server's per-row checks cost).

Prints microseconds per row end to end (the client's formatting and the server's inserts
together, median of ``--repeat`` runs) and each way's ratio to the baseline.

    .venv/bin/python bench/pg_insert.py [--rows 60000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

import psycopg
from psycopg import sql
from throwaway import postgresql_database

from hub.services.system import init_database
from hub.settings import Settings
from hub.storage.engine import make_engine
from schemas.base import utcnow

BATCH = 2_000
SCHOOL = "3201000001"
COLUMNS = [
    "source_system", "source_key", "run_id", "first_seen", "last_seen", "content_hash",
    "is_deleted", "change_version", "xjh", "name", "gender", "birth_date", "ethnicity",
    "id_type", "id_hash", "id_masked", "school_code", "grade", "class_no", "enrol_month",
    "boarding", "household_adcode", "address", "home_lon", "home_lat", "status",
    "poor_household", "left_behind", "migrant",
]  # fmt: skip


def pupils(count: int, run_id: int) -> list[list[Any]]:
    rng = random.Random(1)
    now = utcnow()
    rows = []
    for i in range(count):
        born = date(2010, 1, 1) + timedelta(days=rng.randrange(4000))
        rows.append(
            [
                "student_registry", f"G{i:018d}", run_id, now, now,
                f"{rng.getrandbits(256):064x}", False, i + 1, f"G{i:018d}", "张三",
                rng.choice("12"), born, "01", "1", f"{rng.getrandbits(256):064x}",
                "320102********1234", SCHOOL, rng.choice(["1", "8", "12"]),
                str(rng.randrange(1, 12)), "202509", rng.choice("12"), "320102",
                "南京市玄武区某某路1号", 118.8 + rng.random() / 10, 32.0 + rng.random() / 10,
                "1", rng.random() < 0.05, "0", rng.random() < 0.1,
            ]
        )  # fmt: skip
    return rows


def copy(conn: psycopg.Connection, rows: list[list[Any]], oids: list[int] | None) -> None:
    binary = sql.SQL(" (FORMAT BINARY)" if oids is not None else "")
    query = sql.SQL("COPY students ({}) FROM STDIN{}").format(
        sql.SQL(", ").join(map(sql.Identifier, COLUMNS)), binary
    )
    with conn.cursor() as cursor, cursor.copy(query) as out:
        if oids is not None:
            out.set_types(oids)
        for row in rows:
            out.write_row(row)


def timed(conn: psycopg.Connection, rows: list[list[Any]], oids: list[int] | None) -> float:
    """Seconds to copy ``rows`` batch by batch (each committed); the table is emptied after."""
    seconds = 0.0
    for start in range(0, len(rows), BATCH):
        started = time.perf_counter()
        copy(conn, rows[start : start + BATCH], oids)
        conn.commit()
        seconds += time.perf_counter() - started
    copied = conn.execute("SELECT count(*) FROM students").fetchone()
    if copied is None or copied[0] != len(rows):
        raise SystemExit(f"{copied} rows copied, not {len(rows)}")
    conn.execute("TRUNCATE students")
    conn.commit()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, float] = {}
    with postgresql_database("eduhub_bench_insert") as url:
        engine = make_engine(url)
        init_database(engine=engine, settings=Settings(database_url=url))
        engine.dispose()
        with psycopg.connect(url) as conn:
            conn.execute(
                "INSERT INTO schools (source_system, source_key, first_seen, last_seen, "
                "content_hash, is_deleted, change_version, code, name, school_type, "
                "county_adcode) VALUES ('bench', %s, now(), now(), '', false, 0, %s, '某小学', "
                "'211', '320102')",
                (SCHOOL, SCHOOL),
            )
            found = conn.execute(
                "INSERT INTO connector_runs (connector, started_at, status, counts, bytes_read, "
                "state_before, state_after) VALUES ('bench', now(), 'ok', '{}', 0, '{}', '{}') "
                "RETURNING id"
            ).fetchone()
            assert found is not None
            conn.commit()
            rows = pupils(args.rows, int(found[0]))
            types: dict[str, int] = dict(
                conn.execute(
                    "SELECT attname::text, atttypid::int FROM pg_attribute "
                    "WHERE attrelid = 'students'::regclass AND attnum > 0 AND NOT attisdropped"
                ).fetchall()
            )
            oids = [types[c] for c in COLUMNS]
            # text and binary alternate, so that neither gains from going second
            runs: dict[str, list[float]] = {"baseline (text COPY)": [], "binary COPY": []}
            for _ in range(args.repeat):
                runs["baseline (text COPY)"].append(timed(conn, rows, None))
                runs["binary COPY"].append(timed(conn, rows, oids))
            # then the checks the server makes per row, dropped one after the other
            for label, key in (
                ("text, no FK on run_id", "fk_students_run_id_connector_runs"),
                ("text, no FKs", "fk_students_school_code_schools"),
            ):
                conn.execute(sql.SQL("ALTER TABLE students DROP CONSTRAINT {}").format(
                    sql.Identifier(key)))  # fmt: skip
                conn.commit()
                runs[label] = [timed(conn, rows, None) for _ in range(args.repeat)]
            results = {label: statistics.median(times) for label, times in runs.items()}
    base = results["baseline (text COPY)"]
    print(f"{args.rows} pupil rows in batches of {BATCH}, median of {args.repeat}:")
    for label, seconds in results.items():
        per_row = seconds / args.rows * 1e6
        print(f"  {label:<24}{per_row:>8.2f} µs/row{seconds / base:>8.2f}x baseline")


if __name__ == "__main__":
    main()
