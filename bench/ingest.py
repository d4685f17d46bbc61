"""Ingest benchmark: a full pull of the synthetic province, then one incremental month.

Prints, per backend, from one run: records/s end to end (every connector, from the synthetic
sources into the hub); for the file drops, the ratio of that speed to merely parsing the same
files with the fastest reader available (the parse-only baseline, timed in the same run: both
python-calamine, which the pull uses, and fastexcel, which reads the same calamine parse into
Arrow columns of one type each, are timed, and the faster is the baseline; the ratio to
python-calamine is printed too); peak RSS of the pull process; and the time of an incremental
month's pull relative to the full pull, beside the parse-only time of the month's new files
relative to the full pull (what reading them alone costs on one core with the faster reader:
the month must read them, complete snapshots included).

    .venv/bin/python bench/ingest.py [--scale 0.1] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastexcel
from python_calamine import CalamineWorkbook
from sqlalchemy import create_engine, select
from throwaway import postgresql_database

from connectors.transports.file_drop import sniff_encoding
from schemas.runs import ConnectorRun

ROOT = Path(__file__).resolve().parents[1]
FILE_SOURCES = (
    "institution_codes",
    "student_registry",
    "teachers",
    "statistics",
    "graduate_employment",
)
KEY = "bench-id-hash-key"


def _tree_rss(pid: int) -> tuple[int, int]:
    """Resident kB of a process and all its descendants (a pull's worker processes), and how
    many processes these are."""
    total, count, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0]) if "VmRSS:" in status else 0
            count += 1
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total, count


# (epoch seconds, resident kB of the process tree, processes in it), every 0.1 s
Samples = list[tuple[float, int, int]]


def sh(
    args: list[str], env: dict[str, str] | None = None, samples: Samples | None = None
) -> tuple[float, float]:
    """Run a command; (wall seconds, peak RSS in MB of that process and its children together,
    sampled every 0.1 s, or the process's own peak if that is higher). ``samples`` gets every
    sample."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.1):
            rss, count = _tree_rss(proc.pid)
            peak = max(peak, rss)
            if samples is not None:
                samples.append((time.time(), rss, count))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    return seconds, max(peak, usage.ru_maxrss) / 1024


def eduhub(*args: str) -> list[str]:
    return [sys.executable, "-m", "hub.cli", *args]


def drop_files(folder: Path) -> list[Path]:
    """The file drops' files of a province folder."""
    return sorted(p for p in (folder / "files").rglob("*") if p.suffix in (".xlsx", ".csv"))


READERS = ("python-calamine", "fastexcel")


def _sheet_rows(path: Path, reader: str) -> int:
    """Rows of every sheet of a workbook, each cell's value read and materialised: Python
    values (python-calamine) or Arrow columns of strings (fastexcel, which has no column
    type for a column mixing text, numbers and dates)."""
    rows = 0
    if reader == "python-calamine":
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            rows += len(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
    else:
        excel = fastexcel.read_excel(path)
        for name in excel.sheet_names:
            sheet = excel.load_sheet(name, header_row=None, dtypes="string")
            rows += sheet.to_arrow().num_rows
    return rows


def parse_only(
    folder: Path, paths: list[Path] | None = None, reader: str = READERS[0]
) -> tuple[int, float]:
    """Rows and seconds to read every file of the file drops (or ``paths``) with ``reader``,
    and nothing else."""
    rows, started = 0, time.perf_counter()
    for path in drop_files(folder) if paths is None else paths:
        if path.suffix == ".xlsx":
            rows += _sheet_rows(path, reader)
        elif path.suffix == ".csv":
            data = path.read_bytes()
            rows += sum(1 for _ in csv.reader(io.StringIO(data.decode(sniff_encoding(data)))))
    return rows, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Simulator:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            eduhub("synth", "serve", str(folder), "--port", str(self.port)),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(3)
        text = (folder / "sources.yaml").read_text(encoding="utf-8")
        (folder / "sources.bench.yaml").write_text(
            text.replace("127.0.0.1:8765", f"127.0.0.1:{self.port}"), encoding="utf-8"
        )

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


@contextmanager
def database(backend: str, work: Path) -> Iterator[str]:
    """The hub's database for one backend: a SQLite file in ``work`` (it stays there), or a
    throw-away PostgreSQL database, dropped afterwards."""
    if backend == "sqlite":
        path = work / "hub.db"
        path.unlink(missing_ok=True)
        yield f"sqlite:///{path}"
        return
    with postgresql_database("eduhub_bench") as url:
        yield url


def runs_since(url: str, after: int) -> list[dict[str, Any]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    table = ConnectorRun.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(table).where(table.c.id > after)).mappings()]
    engine.dispose()
    return rows


def pull(
    url: str, folder: Path, samples: Samples | None = None
) -> tuple[float, float, list[dict[str, Any]]]:
    env = {**os.environ, "EDUHUB_DATABASE_URL": url, "EDUHUB_ID_HASH_KEY": KEY}
    before = max((r["id"] for r in runs_since(url, 0)), default=0)
    sim = Simulator(folder)
    try:
        seconds, rss = sh(
            eduhub("pull", "--all", "--config", str(folder / "sources.bench.yaml"), "--quiet"),
            env,
            samples,
        )
    finally:
        sim.stop()
    return seconds, rss, runs_since(url, before)


def _epoch(moment: datetime) -> float:
    """A run record's time (SQLite gives it back without its zone: UTC) in epoch seconds."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def stage_memory(samples: Samples, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Peak RSS of the pull's process tree while the file drops ran and while the other sources
    ran (from the run records' start and end), and the most processes seen in each stage: the
    worker processes stop after the last file drop."""
    stages: dict[str, Any] = {}
    for stage, chosen in (
        ("file_drops", [r for r in runs if r["connector"] in FILE_SOURCES]),
        ("other_sources", [r for r in runs if r["connector"] not in FILE_SOURCES]),
    ):
        start = min(_epoch(r["started_at"]) for r in chosen)
        end = max(_epoch(r["finished_at"]) for r in chosen)
        inside = [(rss, count) for at, rss, count in samples if start <= at <= end]
        stages[stage] = {
            "peak_rss_mb": round(max((rss for rss, _ in inside), default=0) / 1024),
            "processes": max((count for _, count in inside), default=0),
        }
    stages["other_over_file_drops"] = round(
        stages["other_sources"]["peak_rss_mb"] / max(stages["file_drops"]["peak_rss_mb"], 1), 2
    )
    return stages


def bench_backend(
    backend: str, province: Path, base: Path, parse_rates: dict[str, float]
) -> dict[str, Any]:
    work = base / f"work-{backend}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(province, work / "province")
    with database(backend, work) as url:
        env = {**os.environ, "EDUHUB_DATABASE_URL": url, "EDUHUB_ID_HASH_KEY": KEY}
        sh(eduhub("init"), env)
        samples: Samples = []
        full_s, full_rss, full_runs = pull(url, work / "province", samples)
        before = set(drop_files(work / "province"))
        sh(eduhub("synth", "--next-period", str(work / "province"), "--workers", "2"))
        # The month's new files (complete snapshots of the registry and teachers among them)
        # must at least be read: what that alone costs, on one core.
        new_files = [p for p in drop_files(work / "province") if p not in before]
        fastest = max(parse_rates, key=parse_rates.__getitem__)
        _, month_parse_s = parse_only(work / "province", new_files, fastest)
        inc_s, inc_rss, inc_runs = pull(url, work / "province")
    records = sum(r["counts"]["read"] for r in full_runs)
    full_seconds = {r["connector"]: r["counts"]["seconds"] for r in full_runs}
    full_reads = {r["connector"]: r["counts"]["read"] for r in full_runs}
    file_records = sum(r["counts"]["read"] for r in full_runs if r["connector"] in FILE_SOURCES)
    file_seconds = sum(r["counts"]["seconds"] for r in full_runs if r["connector"] in FILE_SOURCES)
    return {
        "backend": backend,
        "records": records,
        "full_s": round(full_s, 1),
        "records_per_s": round(records / full_s),
        "file_records_per_s": round(file_records / file_seconds),
        "ratio_to_parse_only": round(file_records / file_seconds / max(parse_rates.values()), 2),
        "ratio_to_python_calamine": round(
            file_records / file_seconds / parse_rates["python-calamine"], 2
        ),
        "incremental_s": round(inc_s, 1),
        "incremental_records": sum(r["counts"]["read"] for r in inc_runs),
        "incremental_over_full": round(inc_s / full_s, 3),
        # parse-only time of the month's new files, on one core, over the full pull
        "month_files_parse_s": round(month_parse_s, 1),
        "month_files_parse_over_full": round(month_parse_s / full_s, 3),
        "peak_rss_mb": round(max(full_rss, inc_rss)),
        # the full pull's peak while the file drops ran and while the other sources did
        "full_pull_stages": stage_memory(samples, full_runs),
        "per_connector_s": {r["connector"]: r["counts"]["seconds"] for r in full_runs},
        # Per source: incremental seconds / full seconds, and the share of its records the
        # month changed (a floor for that ratio when a changed record costs what it does in
        # a full pull).
        "per_connector_incremental": {
            r["connector"]: {
                "s": r["counts"]["seconds"],
                "over_full": round(
                    r["counts"]["seconds"] / max(full_seconds[r["connector"]], 1e-9), 3
                ),
                "changed_share": round(
                    (r["counts"]["read"] - r["counts"]["unchanged"])
                    / max(full_reads[r["connector"]], 1),
                    3,
                ),
            }
            for r in inc_runs
        },
        "changed_share_of_all_records": round(
            sum(r["counts"]["read"] - r["counts"]["unchanged"] for r in inc_runs) / records, 3
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/eduhub-bench"))
    args = parser.parse_args()
    province = args.dir / f"province-{args.scale}-{args.seed}"
    if not (province / "manifest.json").is_file():
        shutil.rmtree(province, ignore_errors=True)
        seconds, _ = sh(
            eduhub(
                "synth",
                "--scale",
                str(args.scale),
                "--seed",
                str(args.seed),
                "--out",
                str(province),
                "--workers",
                "2",
            )
        )
        print(f"synth at scale {args.scale}: {seconds:.0f} s", flush=True)
    parse_rates = {}
    for reader in READERS:
        rows, seconds = parse_only(province, reader=reader)
        parse_rates[reader] = rows / seconds
        print(f"parse-only ({reader}): {rows} rows in {seconds:.1f} s = "
              f"{parse_rates[reader]:.0f} rows/s", flush=True)  # fmt: skip
    print(f"baseline: {max(parse_rates, key=parse_rates.__getitem__)}", flush=True)
    results = []
    for backend in args.backends.split(","):
        result = bench_backend(backend, province, args.dir, parse_rates)
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    print()
    print(f"{'backend':<11}{'records':>10}{'full s':>9}{'rec/s':>8}{'files rec/s':>13}"
          f"{'ratio':>7}{'calamine':>10}{'incr s':>8}{'incr/full':>10}{'RSS MB':>8}"
          f"{'month parse/full':>18}")  # fmt: skip
    for r in results:
        print(
            f"{r['backend']:<11}{r['records']:>10}{r['full_s']:>9}{r['records_per_s']:>8}"
            f"{r['file_records_per_s']:>13}{r['ratio_to_parse_only']:>7}"
            f"{r['ratio_to_python_calamine']:>10}{r['incremental_s']:>8}"
            f"{r['incremental_over_full']:>10}{r['peak_rss_mb']:>8}"
            f"{r['month_files_parse_over_full']:>18}"
        )
    for r in results:
        stages = r["full_pull_stages"]
        files, others = stages["file_drops"], stages["other_sources"]
        print(
            f"{r['backend']}: full pull's peak RSS while the file drops ran "
            f"{files['peak_rss_mb']} MB ({files['processes']} processes), while the others ran "
            f"{others['peak_rss_mb']} MB ({others['processes']} processes): "
            f"{stages['other_over_file_drops']}x"
        )


if __name__ == "__main__":
    main()
