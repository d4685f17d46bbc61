"""``eduhub synth``: build the province and write every source, split over a small process pool.

Work is cut per county (registry, statistics), per city (teachers) and per university
(graduates); each piece seeds its own RNG, so the result does not depend on which worker ran it.
Workers are forked after the province is built and read it from this module's global.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hub.synth import apidata, exchange
from hub.synth.dirt import Dirty, Row
from hub.synth.exports import (
    Written,
    fingerprint,
    registry_file,
    teacher_file,
    write_registry,
    write_teachers,
)
from hub.synth.graduates import graduate_people, write_graduates
from hub.synth.institutions import write_institutions
from hub.synth.manifest import (
    DEFAULT_API_PORT,
    HEALTH_CLIENT_ID,
    HEALTH_CLIENT_SECRET,
    build_manifest,
    sources_yaml,
    write_manifest,
    write_sources,
)
from hub.synth.population import Province, build_province
from hub.synth.statistics import write_statistics

_JOB: dict[str, Any] = {}
PREVIOUS = "previous:"  # source prefix of the per-file diffs against last month's snapshots


@dataclass
class Result:
    written: list[Written]
    dirty: list[Dirty]
    counts: dict[str, dict[str, int]]
    files: dict[str, dict[str, Any]]


def _run(task: tuple[str, str]) -> list[Written]:
    kind, arg = task
    province: Province = _JOB["province"]
    out: Path = _JOB["out"]
    digest: bool = _JOB["digest"]
    if kind == "county":
        county = province.plan.county(arg)
        done = []
        if len(province.pupils[arg]):
            done.append(write_registry(province, county, out, digest=digest))
        if _JOB["previous"] is not None:
            done.append(_registry_changes(_JOB["previous"], arg, done))
        if _JOB["statistics"]:
            stats = write_statistics(province, county, out)
            if stats is not None:
                done.append(stats)
        return done
    if kind == "city":
        if not any(len(t) for a, t in province.teachers.items() if a[:4] == arg[:4]):
            return []
        written = write_teachers(province, arg, out, digest=digest)
        if _JOB["previous"] is not None:
            return [written, _teacher_changes(_JOB["previous"], arg, written)]
        return [written]
    if kind == "university":
        uni = next(u for u in province.universities if u.code == arg)
        return [write_graduates(province, uni, out, _JOB["graduates"][arg])]
    if kind == "institutions":
        return [write_institutions(province, out)]
    if kind == "exchange":
        return [write_exchange_db(province, out)]
    if kind == "api":
        return write_api_data(province, out)
    raise ValueError(kind)  # pragma: no cover


def _diff(old: dict[str, str], new: dict[str, str]) -> dict[str, list[str]]:
    return {
        "inserted": sorted(set(new) - set(old)),
        "updated": sorted(k for k in set(new) & set(old) if new[k] != old[k]),
        "deleted": sorted(set(old) - set(new)),
    }


def _registry_changes(old: Province, adcode: str, done: list[Written]) -> Written:
    """This county's snapshot diff, computed here so only key lists go back to the parent."""
    before: dict[str, str] = {}
    if len(old.pupils[adcode]):
        _, sheet, _ = registry_file(old, old.plan.county(adcode))
        before = fingerprint(list(sheet.rows), 0)
    now: dict[str, str] = {}
    for w in done:
        if w.source == "student_registry":
            now, w.digest = w.digest or {}, None
    return Written(PREVIOUS + "student_registry", "", 0, [], {}, changes=_diff(before, now))


def _teacher_changes(old: Province, city: str, written: Written) -> Written:
    before: dict[str, str] = {}
    if any(len(t) for a, t in old.teachers.items() if a[:4] == city[:4]):
        _, sheet, _, _ = teacher_file(old, city)
        before = fingerprint(list(sheet.rows), 0)
    changes = _diff(before, written.digest or {})
    written.digest = None
    return Written(PREVIOUS + "teachers", "", 0, [], {}, changes=changes)


def write_exchange_db(province: Province, out: Path) -> Written:
    payments, households, planted = exchange.exchange_contents(province)
    exchange.write_exchange(out / "exchange.db", payments, households)
    return Written("student_aid", "exchange.db", len(payments) + len(households), planted, {})


def write_api_data(province: Province, out: Path) -> list[Written]:
    """The simulator's database; one ``Written`` per HTTP source (they have no files)."""
    contents = apidata.api_contents(province)
    stamp_classes(contents["classes"], province.period)
    tables, planted = apidata.plant_api(province, contents)
    health = Written("physical_health", "", 0, [], {})

    def health_rows() -> Iterator[Row]:
        # Streamed county by county: the province's tests never sit in memory at once.
        for rows, found in apidata.planted_health(province):
            health.dirty.extend(found)
            health.records += len(rows)
            yield from rows

    streams: dict[str, Iterable[Row]] = {**tables, "health_tests": health_rows()}
    apidata.write_api_db(out / "api" / "simulator.db", streams)
    done = [health]
    for table, rows in tables.items():
        source = apidata.SOURCES[table]
        done.append(Written(source, "", len(rows), [d for d in planted if d.source == source], {}))
    return done


def tasks_for(
    province: Province, *, teachers: bool = True, graduates: bool = True
) -> list[tuple[str, str]]:
    """Biggest first, so two workers finish together."""
    counties = sorted(
        province.plan.counties, key=lambda c: (-len(province.pupils[c.adcode]), c.adcode)
    )
    tasks = [("county", c.adcode) for c in counties]
    if teachers:
        tasks += [("city", city) for city, _ in province.plan.cities]
    if graduates:
        tasks += [("university", u.code) for u in province.universities]
    return tasks


def run_tasks(
    province: Province,
    out: Path,
    tasks: list[tuple[str, str]],
    *,
    workers: int,
    digest: bool = False,
    statistics: bool = True,
    previous: Province | None = None,
) -> list[Written]:
    _JOB.update(
        province=province,
        out=out,
        digest=digest,
        statistics=statistics,
        previous=previous,
        graduates=graduate_people(province) if any(k == "university" for k, _ in tasks) else {},
    )
    try:
        if workers <= 1 or os.name != "posix":
            results = [_run(t) for t in tasks]
        else:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results = pool.map(_run, tasks, chunksize=1)
    finally:
        _JOB.clear()
    return sorted((w for ws in results for w in ws), key=lambda w: (w.file, w.source))


def stamp_classes(rows: list[Row], period: str) -> None:
    for k, row in enumerate(rows):
        if row[-1] is None:
            row[-1] = apidata.iso(
                np.datetime64(f"{period[:4]}-{period[4:]}-01").astype(object) + _days(k % 20), 8
            )


def _days(n: int) -> Any:
    from datetime import timedelta

    return timedelta(days=n)


def write_simulator_config(out: Path, seed: int, port: int, period: str) -> None:
    params = sources_yaml(period, port)["sources"]
    config = {
        "seed": seed,
        "period": period,
        "year": params["class_roster"]["params"]["year"],
        "school_year": params["physical_health"]["params"]["school_year"],
        "quarter": params["ict_survey"]["params"]["quarter"],
        "port": port,
        "client_id": HEALTH_CLIENT_ID,
        "client_secret": HEALTH_CLIENT_SECRET,
        "token_ttl_s": 600,
    }
    path = out / "api" / "simulator.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def collect(
    written: list[Written], extra: list[Dirty], extra_counts: dict[str, dict[str, int]]
) -> Result:
    counts: dict[str, dict[str, int]] = {}
    files: dict[str, dict[str, Any]] = {}
    dirty: list[Dirty] = list(extra)
    for w in written:
        c = counts.setdefault(w.source, {"files": 0, "records": 0})
        c["records"] += w.records
        dirty += w.dirty
        if w.file and w.file != "exchange.db":
            c["files"] += 1
            files[w.file] = w.layout
        elif w.file:
            c["files"] += 1
    counts.update(extra_counts)
    return Result(written, dirty, counts, files)


def generate(
    seed: int,
    scale: float,
    out: Path,
    *,
    api_port: int = DEFAULT_API_PORT,
    workers: int = 2,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Write the whole synthetic province into ``out``; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    progress("building the province")
    province = build_province(seed, scale)
    progress(f"{sum(len(p) for p in province.pupils.values())} pupils; writing files")
    # The exchange database and the API data go first: they are the biggest single tasks.
    tasks = [("exchange", ""), ("api", ""), ("institutions", ""), *tasks_for(province)]
    written = run_tasks(province, out, tasks, workers=workers)
    write_simulator_config(out, seed, api_port, province.period)
    result = collect(written, [], {})
    manifest = build_manifest(
        seed=seed,
        scale=scale,
        period=province.period,
        previous_period=None,
        counts=result.counts,
        dirty=result.dirty,
        files=result.files,
    )
    write_manifest(out, manifest)
    write_sources(out, province.period, api_port)
    return manifest
