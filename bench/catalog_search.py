"""Benchmark catalog search through the HTTP API with 10,000 published entries.

For each backend (SQLite, PostgreSQL) a throw-away database is migrated, 10,000 generated
entries (variations of the shipped ones, with varied names and abstracts) are published as
version 1.0, and ``eduhub serve`` runs as a separate uvicorn process on a free loopback port.
An httpx client then times typical searches (native API and CKAN package_search with the
filters clients and harvesters send). Figures are p50/p95 latency per query, the ratio
to a baseline measured in the same run (the ``/healthz`` round trip, which has no database
work), and whether the 20 ms p95 target is met.

    .venv/bin/python bench/catalog_search.py [--entries 10000] [--repeat 200]
        [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
from sqlmodel import Session

from catalog.loader import load_catalog
from catalog.model import Entry
from hub.api.server import free_port
from hub.services.catalog import publish_entries
from hub.services.system import init_database
from hub.settings import Settings
from hub.storage.engine import make_engine

TARGET_P95_MS = 20.0
PG_ADMIN = os.environ.get("EDUHUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PLACES = ["南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江"]
TOPICS = ["义务教育", "高中阶段", "学前教育", "职业教育", "特殊教育", "民办学校", "乡村学校"]
WORDS = ["监测", "统计", "台账", "名单", "核查", "汇总", "明细", "年报", "季报", "专项"]
NATIVE = "/api/v1/catalog/resources"
CKAN = "/api/3/action/package_search"
QUERIES: list[tuple[str, str, dict[str, str]]] = [
    ("q=学籍 (2 chars)", NATIVE, {"q": "学籍"}),
    ("q=大班额", NATIVE, {"q": "大班额"}),
    ("q=学籍号", NATIVE, {"q": "学籍号"}),
    ("q=教育 信息化", NATIVE, {"q": "教育 信息化"}),
    ("q=苏州 班额 + open", NATIVE, {"q": "苏州 班额", "open": "true"}),
    ("q=资助 + 有条件共享", NATIVE, {"q": "资助", "sharing_type": "有条件共享"}),
    ("provider + update_cycle", NATIVE, {"provider": "320000-JYT", "update_cycle": "每年"}),
    ("list page 10", NATIVE, {"offset": "200"}),
    # CKAN answers whole packages (20 entries' JSON), so these carry more than a search
    ("ckan q=学籍", CKAN, {"q": "学籍"}),
    ("ckan fq=organization tags:苏州", CKAN, {"fq": "organization:320000-jyt tags:苏州"}),
    (
        "ckan fq=harvester (orgs, modified)",
        CKAN,
        {
            "fq": "organization:320000-jyt OR organization:320000-mzt "
            "metadata_modified:[2027-01-13T00:00:00Z TO *]"
        },
    ),
]


def generate(base: list[Entry], n: int, seed: int = 7) -> list[Entry]:
    """n entries: shipped ones renamed, re-abstracted, re-coded (codes stay unique) and
    published over 60 days."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        entry = base[i % len(base)]
        place, topic = rng.choice(PLACES), rng.choice(TOPICS)
        extra = "、".join(rng.sample(WORDS, 3))
        raw = entry.model_dump(mode="json")
        raw.update(
            id=f"{entry.id}_{i:05d}",
            code=f"{entry.classification.code}/{i + 1:05d}",
            name=f"{place}市{topic}{entry.name}",
            abstract=f"{place}市{topic}：{entry.abstract}（{extra}）",
            keywords=[*entry.keywords, place, topic],
            published=(entry.published + timedelta(days=i % 60)).isoformat(),
            related=[],
        )
        out.append(Entry.model_validate(raw))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def time_get(client: httpx.Client, path: str, params: dict[str, str], repeat: int) -> list[float]:
    for _ in range(10):
        client.get(path, params=params).raise_for_status()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(path, params=params).raise_for_status()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EDUHUB_DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def run_backend(name: str, url: str, entries: list[Entry], repeat: int) -> bool:
    engine = make_engine(url)
    init_database(engine=engine, settings=Settings(database_url=url))
    start = time.perf_counter()
    with Session(engine) as session:
        publish_entries(session=session, version="1.0", entries=entries)
    engine.dispose()
    print(f"\n== {name}: published {len(entries)} entries in {time.perf_counter() - start:.1f} s")
    port = free_port()
    proc = serve(url, port)
    ok = True
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            base = time_get(client, "/healthz", {}, repeat)
            base_p50 = statistics.median(base)
            print(f"{'query':32} {'hits':>6} {'p50 ms':>8} {'p95 ms':>8} {'p50/base':>9}  target")
            print(f"{'baseline /healthz':32} {'':>6} {base_p50:8.2f} {percentile(base, 95):8.2f}")
            for label, path, params in QUERIES:
                query = {"limit" if path == NATIVE else "rows": "20", **params}
                body = client.get(path, params=query).json()
                hits = body["count"] if path == NATIVE else body["result"]["count"]
                samples = time_get(client, path, query, repeat)
                p50, p95 = statistics.median(samples), percentile(samples, 95)
                met = p95 < TARGET_P95_MS
                ok = ok and met
                print(
                    f"{label:32} {hits:6d} {p50:8.2f} {p95:8.2f} {p50 / base_p50:8.1f}x  "
                    f"{'met' if met else 'NOT met'} (p95 < {TARGET_P95_MS:.0f} ms)"
                )
            show = time_get(client, f"/api/v1/catalog/resources/{entries[1].id}", {}, repeat)
            p95 = percentile(show, 95)
            ok = ok and p95 < TARGET_P95_MS
            print(
                f"{'show one resource':32} {'':>6} {statistics.median(show):8.2f} {p95:8.2f} "
                f"{statistics.median(show) / base_p50:8.1f}x  "
                f"{'met' if p95 < TARGET_P95_MS else 'NOT met'}"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    entries = generate(load_catalog().entries, args.entries)
    print(f"catalog search benchmark: {len(entries)} entries, {args.repeat} requests per query")
    results = {}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                results[backend] = run_backend(
                    backend, f"sqlite:///{Path(tmp) / 'bench.db'}", entries, args.repeat
                )
        else:
            name = f"eduhub_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
                results[backend] = run_backend(backend, url, entries, args.repeat)
            finally:
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print()
    for backend, ok in results.items():
        print(f"{backend}: p95 < {TARGET_P95_MS:.0f} ms target {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
