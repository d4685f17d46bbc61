"""Child process of the SQLite fast path: one query in, CSV or NDJSON bytes out on stdout.

Reads ``{"database", "sql", "params", "mode"}`` (JSON) on stdin, runs the query read-only
through the ADBC SQLite driver and writes each record batch as it arrives (Arrow's CSV, or the
one JSON column line by line), so memory stays bounded by one batch.
"""

from __future__ import annotations

import sys

import orjson

BATCH_ROWS = 16_384


def main() -> None:
    import adbc_driver_sqlite.dbapi as adbc
    import pyarrow.csv as pacsv

    raw = sys.stdin.buffer.read()  # a spare worker waits here with its libraries imported
    if not raw:  # the server went away before handing it a job
        return
    job = orjson.loads(raw)
    out = sys.stdout.buffer
    conn = adbc.connect(f"file:{job['database']}?mode=ro")
    try:
        cur = conn.cursor()
        # Bigger batches than the default 1,024 rows: fewer round trips through Arrow.
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        cur.execute(job["sql"], job["params"])
        reader = cur.fetch_record_batch()
        if job.get("mode") == "ndjson":  # one JSON text column: write it line by line
            for batch in reader:
                lines = batch.column(0).to_pylist()
                if lines:
                    out.write(("\n".join(lines) + "\n").encode())
        else:
            options = pacsv.WriteOptions(quoting_style="needed")
            with pacsv.CSVWriter(out, reader.schema, write_options=options) as writer:
                for batch in reader:
                    writer.write_batch(batch)
        out.flush()
    finally:
        conn.close()


if __name__ == "__main__":
    main()
