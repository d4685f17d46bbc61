"""Benchmark ``eduhub synth``: wall time and peak RSS of the whole process tree at a scale.

Prints absolute figures against the targets (scale 0.1 under 5 minutes and 1 GB on a 2-core
machine) and ratios to a baseline measured in the same run on the same machine: writing the same
student-registry rows as plain CSV (no dirt, no workbook), single process.

    .venv/bin/python bench/synth.py [--scale 0.1] [--seed 1] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TARGET_SECONDS = 300.0
TARGET_RSS_MB = 1024.0


def tree_memory_mb(root: int) -> tuple[float, float]:
    """(sum of RSS, sum of PSS) over ``root`` and its descendants, from Linux /proc.

    Forked workers share the parent's pages, so the RSS sum counts them twice; PSS splits each
    shared page between its sharers and is the honest figure for "memory the job uses".
    """
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return rss / 1024, pss / 1024


def run_synth(
    scale: float, seed: int, workers: int, out: Path
) -> tuple[float, float, float, float]:
    code = (
        "from pathlib import Path; from hub.synth.build import generate; "
        f"generate({seed}, {scale}, Path({str(out)!r}), workers={workers})"
    )
    cmd = [sys.executable, "-c", code]  # what `eduhub synth` runs, without the rest of the CLI
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    peak_rss = peak_pss = 0.0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak_rss, peak_pss
        while not stop.is_set():
            rss, pss = tree_memory_mb(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    exit_code = proc.wait()
    elapsed = time.perf_counter() - start
    stop.set()
    watcher.join()
    if exit_code:
        raise SystemExit(f"eduhub synth failed with exit code {exit_code}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return elapsed, peak_rss, peak_pss, cpu


def baseline_csv(scale: float, seed: int, out: Path) -> float:
    """Seconds to format and write the registry rows as plain CSV (the floor for any writer)."""
    from hub.synth.exports import REGISTRY_COLUMNS, registry_rows
    from hub.synth.population import build_province

    province = build_province(seed, scale)
    start = time.perf_counter()
    for county in province.plan.counties:
        rows = registry_rows(province, county)
        with (out / f"{county.adcode}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(REGISTRY_COLUMNS)
            writer.writerows(rows)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eduhub-bench-") as tmp:
        out = Path(tmp) / "province"
        elapsed, peak_rss, peak, cpu = run_synth(args.scale, args.seed, args.workers, out)
        size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
        base_dir = Path(tmp) / "baseline"
        base_dir.mkdir()
        baseline = baseline_csv(args.scale, args.seed, base_dir)
    print(f"eduhub synth --scale {args.scale} --seed {args.seed} --workers {args.workers}")
    print(f"  wall time        {elapsed:8.1f} s   (target < {TARGET_SECONDS:.0f} s at 0.1: "
          f"{'met' if elapsed < TARGET_SECONDS else 'NOT met'})")  # fmt: skip
    print(f"  peak memory      {peak:8.0f} MB  PSS of the process tree (target < "
          f"{TARGET_RSS_MB:.0f} MB: {'met' if peak < TARGET_RSS_MB else 'NOT met'})")  # fmt: skip
    print(f"  peak RSS summed  {peak_rss:8.0f} MB  (counts pages shared by forked workers twice)")
    print(f"  CPU time         {cpu:8.1f} s   (user + system of the whole tree: what the "
          f"run costs whatever the load; load average now {os.getloadavg()[0]:.1f})")  # fmt: skip
    print(f"  output           {size_mb:8.0f} MB")
    print(f"  baseline         {baseline:8.1f} s   (registry rows as plain CSV, one process)")
    print(f"  ratio            {elapsed / baseline:8.2f} x baseline")


if __name__ == "__main__":
    main()
