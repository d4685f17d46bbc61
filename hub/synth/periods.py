"""``eduhub synth --next-period``: the province one month later, and exactly what changed.

The province of the current period is rebuilt from the seed (base period plus every step since);
one more step moves pupils (leavers, transfers within and between counties, newcomers, moves
house), staff (leavers, hires) and schools (a kindergarten opens, one closes). New snapshot files
are written beside the old ones; the exchange database and the API data are updated in place
(changed rows get a new ``update_time``, removed ones ``is_deleted = 1``). ``changes`` in the
manifest is the diff of the two snapshots per source, keyed by each source's natural key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from hub.synth import apidata, exchange
from hub.synth.build import (
    PREVIOUS,
    collect,
    run_tasks,
    stamp_classes,
    write_simulator_config,
)
from hub.synth.dirt import Row
from hub.synth.exports import fingerprint, quarter_of
from hub.synth.institutions import institution_rows, write_institutions
from hub.synth.manifest import build_manifest, read_manifest, write_manifest, write_sources
from hub.synth.people import Pupils, Teachers, new_pupils, new_teachers, points_near
from hub.synth.population import Province, add_months, build_province, unique_ids
from hub.synth.province import TYPES_BY_CODE
from hub.synth.schools import School, school_code

LEAVE, MOVE_IN_COUNTY, MOVE_OUT_COUNTY, ARRIVE, MOVE_HOUSE = 0.003, 0.004, 0.002, 0.003, 0.002
STAFF_LEAVE, STAFF_HIRE = 0.005, 0.005
Changes = dict[str, list[str]]


def evolve(province: Province) -> Province:
    """The province one month later (a new object; ``province`` is left as it was)."""
    period = add_months(province.period, 1)
    step = province.step + 1
    rng = np.random.default_rng([province.plan.seed, 60, step])
    schools = [
        replace(s, classes={g: list(v) for g, v in s.classes.items()}) for s in province.schools
    ]
    nxt = Province(
        province.plan, period, schools, {}, {}, dict(province.closed), dict(province.next_serial)
    )
    _schools_open_and_close(nxt, rng)
    by_county_grade: dict[tuple[str, int], list[School]] = {}
    for s in schools:
        if s.code in nxt.closed:
            continue
        for g in s.classes:
            by_county_grade.setdefault((s.county, g), []).append(s)
    arrivals: dict[str, list[Pupils]] = {}
    for county in province.plan.counties:
        p = province.pupils[county.adcode]
        u = rng.random(len(p))
        stay = u >= LEAVE + MOVE_OUT_COUNTY
        leaving_county = np.flatnonzero((u >= LEAVE) & (u < LEAVE + MOVE_OUT_COUNTY))
        for i in leaving_county.tolist():
            grade = int(p.grade[i])
            targets = [
                c
                for c in province.plan.counties
                if c.adcode != county.adcode and by_county_grade.get((c.adcode, grade))
            ]
            if not targets:
                stay[i] = True
                continue
            target = targets[int(rng.integers(len(targets)))]
            moved = p.take(np.array([i]))
            _seat(moved, 0, by_county_grade[(target.adcode, grade)], rng)
            arrivals.setdefault(target.adcode, []).append(moved)
        kept = p.take(np.flatnonzero(stay))
        # Transfers inside the county and moves of house.
        v = rng.random(len(kept))
        for i in np.flatnonzero(v < MOVE_IN_COUNTY).tolist():
            options = by_county_grade.get((county.adcode, int(kept.grade[i])), [])
            if len(options) > 1:
                _seat(kept, i, options, rng)
        moves = np.flatnonzero((v >= MOVE_IN_COUNTY) & (v < MOVE_IN_COUNTY + MOVE_HOUSE))
        kept.road[moves] = rng.integers(0, 30, len(moves)).astype(np.int16)
        kept.house_no[moves] = rng.integers(1, 300, len(moves)).astype(np.int16)
        nxt.pupils[county.adcode] = kept
    new: dict[str, Pupils] = {}
    for county in province.plan.counties:
        n = int(rng.binomial(len(province.pupils[county.adcode]), ARRIVE))
        slots = [
            (s, g)
            for (c, g), ss in sorted(by_county_grade.items(), key=lambda kv: kv[0])
            if c == county.adcode
            for s in ss
        ]
        if n == 0 or not slots:
            continue
        pick = [slots[int(k)] for k in rng.integers(0, len(slots), n)]
        grades = np.array([g for _, g in pick], dtype=np.int8)
        school = np.array([s.index for s, _ in pick], dtype=np.int32)
        class_no = np.array(
            [1 + int(rng.integers(len(s.classes[g]))) for s, g in pick], dtype=np.int8
        )
        centres = np.array([(s.lon, s.lat) for s, _ in pick])
        base = county.index * 10_000_000 + nxt.next_serial[county.adcode]
        nxt.next_serial[county.adcode] += n
        new[county.adcode] = new_pupils(
            province.plan, county, rng, base, grades, school, class_no, centres, step=step
        )
    new_staff = _staff_changes(province, nxt, rng)
    unique_ids(nxt, new, new_staff)
    for county in province.plan.counties:
        parts = [nxt.pupils[county.adcode], *arrivals.get(county.adcode, [])]
        if county.adcode in new:
            parts.append(new[county.adcode])
        merged = Pupils.concat(parts)
        # People who moved in keep their identity; their new home is near the new school.
        if len(parts) > 1:
            fresh = np.arange(len(parts[0]), len(merged))
            centres = np.array(
                [(schools[int(s)].lon, schools[int(s)].lat) for s in merged.school[fresh]]
            )
            homes = points_near(county.adcode, centres, 1.5 if county.urban else 3.0, rng)
            merged.lon[fresh] = np.round(homes[:, 0], 6)
            merged.lat[fresh] = np.round(homes[:, 1], 6)
        nxt.pupils[county.adcode] = merged
        if county.adcode in new_staff:
            nxt.teachers[county.adcode] = Teachers.concat(
                [nxt.teachers[county.adcode], new_staff[county.adcode]]
            )
    return nxt


def _seat(p: Pupils, i: int, options: list[School], rng: np.random.Generator) -> None:
    """Put pupil ``i`` in a random class of another school teaching its grade."""
    here = int(p.school[i])
    others = [s for s in options if s.index != here] or options
    school = others[int(rng.integers(len(others)))]
    p.school[i] = school.index
    p.class_no[i] = 1 + int(rng.integers(len(school.classes[int(p.grade[i])])))


def _staff_changes(
    province: Province, nxt: Province, rng: np.random.Generator
) -> dict[str, Teachers]:
    hires: dict[str, Teachers] = {}
    for county in province.plan.counties:
        t = province.teachers[county.adcode]
        keep = rng.random(len(t)) >= STAFF_LEAVE
        nxt.teachers[county.adcode] = t.take(np.flatnonzero(keep))
        n = int(rng.binomial(len(t), STAFF_HIRE))
        if n and len(t):
            school = t.school[rng.integers(0, len(t), n)]
            base = county.index * 10_000_000 + 5_000_000 + nxt.step * 10_000
            hires[county.adcode] = new_teachers(county, rng, base, school)
    return hires


def _schools_open_and_close(nxt: Province, rng: np.random.Generator) -> None:
    """One kindergarten opens somewhere and one closes (撤销), as the code list changes."""
    kinder = [s for s in nxt.schools if s.type_code == "111" and s.code not in nxt.closed]
    if len(kinder) > 1:
        victim = kinder[int(rng.integers(len(kinder)))]
        nxt.closed[victim.code] = f"{nxt.period}{int(rng.integers(1, 28)):02d}"
    county = nxt.plan.counties[int(rng.integers(len(nxt.plan.counties)))]
    from hub.synth.places import sample_points

    lon, lat = sample_points(county.adcode, 1, rng)[0]
    serial = 8000 + nxt.step  # below the never-issued range, above any base serial
    stype = TYPES_BY_CODE["111"]
    nxt.schools.append(
        School(
            index=len(nxt.schools),
            code=school_code(stype.category, county, serial),
            name=f"{county.name.rstrip('区市县')}新城第{nxt.step}幼儿园",
            type_code="111",
            county=county.adcode,
            city=county.city,
            lon=round(float(lon), 6),
            lat=round(float(lat), 6),
            address=f"{county.city_name}{county.name}新城路{nxt.step}号",
            urban_rural="111" if county.urban else "121",
            sponsor="教育部门",
            founded=nxt.period,
        )
    )


def province_at(seed: int, scale: float, period: str) -> Province:
    province = build_province(seed, scale)
    while province.period < period:
        province = evolve(province)
    return province


def diff(old: dict[str, str], new: dict[str, str]) -> Changes:
    return {
        "inserted": sorted(set(new) - set(old)),
        "updated": sorted(k for k in set(new) & set(old) if new[k] != old[k]),
        "deleted": sorted(set(old) - set(new)),
    }


def _combine(done: list[Any], source: str) -> Changes:
    """Province-wide changes from per-file diffs: a key deleted in one county and inserted in
    another (a pupil who moved) is one updated record."""
    total: dict[str, set[str]] = {"inserted": set(), "updated": set(), "deleted": set()}
    for w in done:
        if w.source == source and w.changes:
            for kind, keys in w.changes.items():
                total[kind].update(keys)
    moved = total["inserted"] & total["deleted"]
    total["updated"] |= moved
    total["inserted"] -= moved
    total["deleted"] -= moved
    return {kind: sorted(keys) for kind, keys in total.items()}


def _csv_digest(folder: Path, rel: str) -> dict[str, str]:
    """Institution codes as written (the truncated last line included), keyed by school code."""
    text = (folder / rel).read_bytes().decode("gb18030")
    lines = text.split("\r\n")[1:]
    rows = [line.split(",") for line in lines if line]
    return fingerprint(rows, 0)


def db_stamp(period: str) -> Callable[[int], str]:
    def stamp(k: int) -> str:
        day = date(int(period[:4]), int(period[4:]), 1) + timedelta(days=k % 27)
        return f"{day.isoformat()} 09:{(k // 27) % 60:02d}:00"

    return stamp


def api_stamp(period: str) -> Callable[[int], str]:
    def stamp(k: int) -> str:
        day = date(int(period[:4]), int(period[4:]), 1) + timedelta(days=k % 27)
        return apidata.iso(day, 9)

    return stamp


def merge_table(
    old: Iterable[Sequence[Any]],
    new: list[Row],
    *,
    key: int,
    stamp_col: int,
    stamp: Callable[[int], str],
    keep_own_stamp: bool = False,
    deleted_col: int | None = None,
    delete: frozenset[str] = frozenset(),
) -> tuple[list[Sequence[Any]], Changes, set[str]]:
    """The table after one period: unchanged rows keep their stamp, changed ones get a new one.

    Rows missing from ``new`` stay as they were (history is not rewritten); ids in ``delete`` are
    soft-deleted. Returns the rows (sorted by key), the changes and the keys kept unchanged
    because they were missing from ``new``.
    """
    # No copies: a province's worth of rows is large; a row is copied only when it changes.
    old_by = {str(row[key]): row for row in old}
    new_by = {str(row[key]): row for row in new}
    changes: Changes = {"inserted": [], "updated": [], "deleted": []}
    kept_missing: set[str] = set()

    def body(row: Sequence[Any]) -> list[Any]:
        return [v for c, v in enumerate(row) if c != stamp_col]

    merged: list[Sequence[Any]] = []
    counter = 0
    for k in sorted(set(old_by) | set(new_by)):
        before, after = old_by.get(k), new_by.get(k)
        if before is not None and deleted_col is not None and before[deleted_col] == 1:
            merged.append(before)  # deleted stays deleted
            continue
        if after is None:
            assert before is not None
            row = before
            kept_missing.add(k)
        elif before is None:
            changes["inserted"].append(k)
            row = after
            # A row's own stamp is kept only if it falls in this period: a record that was
            # broken before (say, under a wrong key) and is now correct is new to every client.
            if not keep_own_stamp or str(row[stamp_col]) < stamp(0):
                row[stamp_col] = stamp(counter)
                counter += 1
        elif body(before) == body(after):
            row = before
        else:
            changes["updated"].append(k)
            row = after
            row[stamp_col] = stamp(counter)
            counter += 1
        if k in delete and deleted_col is not None:
            row = list(row)
            row[deleted_col] = 1
            row[stamp_col] = stamp(counter)
            counter += 1
            changes["deleted"].append(k)
            for kind in ("inserted", "updated"):
                if changes[kind] and changes[kind][-1] == k:
                    changes[kind].pop()
            kept_missing.discard(k)
        merged.append(row)
    return merged, changes, kept_missing


def merge_sorted(
    old: Iterator[Sequence[Any]],
    new: list[Row],
    *,
    key: int,
    stamp_col: int,
    stamp: Callable[[int], str],
    changes: Changes,
    kept_missing: set[str],
) -> Iterator[Sequence[Any]]:
    """``merge_table`` for a big table as a stream: both sides sorted by key, rows yielded in key
    order straight into the new database (health tests: keeps a province out of memory).

    Inserted rows keep their own stamp when it falls in this period (new tests are dated).
    """
    new.sort(key=lambda r: str(r[key]))
    counter = 0
    before = next(old, None)
    i = 0
    while before is not None or i < len(new):
        old_key = str(before[key]) if before is not None else None
        new_key = str(new[i][key]) if i < len(new) else None
        if before is not None and (new_key is None or (old_key is not None and old_key < new_key)):
            kept_missing.add(str(old_key))
            yield before
            before = next(old, None)
            continue
        row = new[i]
        i += 1
        if before is None or (old_key is not None and new_key is not None and new_key < old_key):
            changes["inserted"].append(str(new_key))
            if str(row[stamp_col]) < stamp(0):
                row[stamp_col] = stamp(counter)
                counter += 1
            yield row
            continue
        same = [v for c, v in enumerate(before) if c != stamp_col] == [
            v for c, v in enumerate(row) if c != stamp_col
        ]
        if same:
            yield before
        else:
            changes["updated"].append(str(new_key))
            row[stamp_col] = stamp(counter)
            counter += 1
            yield row
        before = next(old, None)


def _rows(path: Path, table: str, order: str) -> Iterator[tuple[Any, ...]]:
    """Rows one by one (the connection stays open while the caller iterates)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield from conn.execute(f"SELECT * FROM {table} ORDER BY {order}")
    finally:
        conn.close()


def _read(path: Path, table: str, order: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()


def advance(
    folder: Path, *, workers: int = 2, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Move the province in ``folder`` one month on; returns the new manifest."""
    manifest = read_manifest(folder)
    seed, scale, period = manifest["seed"], manifest["scale"], manifest["period"]
    progress(f"rebuilding {period}")
    old = province_at(seed, scale, period)
    new = evolve(old)
    progress(f"writing {new.period}")
    changes: dict[str, Changes] = {}
    tasks = [("county", c.adcode) for c in new.plan.counties]
    new_quarter = quarter_of(new.period) != quarter_of(old.period)
    if new_quarter:
        tasks += [("city", city) for city, _ in new.plan.cities]
    # Each worker rebuilds last month's snapshot of its county or city and sends back the diff.
    done = run_tasks(
        new,
        folder,
        tasks,
        workers=workers,
        digest=True,
        statistics=new.period[:4] != old.period[:4],
        previous=old,
    )
    written = [w for w in done if not w.source.startswith(PREVIOUS)]
    changes["student_registry"] = _combine(done, PREVIOUS + "student_registry")
    if new_quarter:
        changes["teachers"] = _combine(done, PREVIOUS + "teachers")
    old_csv = f"files/institution_codes/学校机构代码_{old.period}01.csv"
    codes = write_institutions(new, folder)
    written.append(codes)
    changes["institution_codes"] = diff(
        _csv_digest(folder, old_csv), _csv_digest(folder, codes.file)
    )

    progress("exchange database and API data")
    old_dirty = [d for d in manifest["dirty"] if d["source"] in _DB_AND_API]
    aid_dirty, aid_counts = _advance_exchange(folder, old, new, changes, old_dirty)
    api_dirty, api_counts = _advance_api(folder, new, changes, old_dirty)
    write_simulator_config(folder, seed, _port_of(folder), new.period)

    rewritten = {w.file for w in written}
    kept = [
        d
        for d in manifest["dirty"]
        if d["source"] not in _DB_AND_API and d["file"] not in rewritten
    ]
    result = collect(written, [], {**aid_counts, **api_counts})
    counts = {k: dict(v) for k, v in manifest["counts"].items()}
    for source, c in result.counts.items():
        if source in aid_counts or source in api_counts:
            counts[source] = c
        else:
            counts.setdefault(source, {"files": 0, "records": 0})
            counts[source]["files"] += c["files"]
            counts[source]["records"] += c["records"]
    files = {**manifest["files"], **result.files}
    dirty = kept + [d.as_json() for d in result.dirty] + aid_dirty + api_dirty
    out = build_manifest(
        seed=seed,
        scale=scale,
        period=new.period,
        previous_period=period,
        counts=counts,
        dirty=dirty,
        files=files,
        changes=changes,
    )
    write_manifest(folder, out)
    write_sources(folder, new.period, _port_of(folder))
    return out


_DB_AND_API = frozenset({"student_aid", *apidata.SOURCES.values()})


def _port_of(folder: Path) -> int:
    import json

    return int(json.loads((folder / "api" / "simulator.json").read_text(encoding="utf-8"))["port"])


def _counted(rows: Iterable[Sequence[Any]], count: dict[str, int]) -> Iterator[Sequence[Any]]:
    for row in rows:
        count["records"] += 1
        yield row


def _carried(old_dirty: list[dict[str, Any]], source: str, keys: set[str]) -> list[dict[str, Any]]:
    out = []
    for d in old_dirty:
        loc = d["locator"]
        if d["source"] == source and str(loc.get("id", loc.get("key"))) in keys:
            out.append(d)
    return out


def _advance_exchange(
    folder: Path,
    old: Province,
    new: Province,
    changes: dict[str, Changes],
    old_dirty: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    path = folder / "exchange.db"
    payments, households, planted = exchange.exchange_contents(new)
    rng = np.random.default_rng([new.plan.seed, 61, new.step])
    stamp = db_stamp(new.period)
    tables: dict[str, list[Sequence[Any]]] = {}
    total: Changes = {"inserted": [], "updated": [], "deleted": []}
    carried: list[dict[str, Any]] = []
    for table, rows in (("xszz_ffmx", payments), ("jdlk_pkh", households)):
        before = _read(path, table, "id")
        live = [str(r[0]) for r in before if r[-1] == 0]
        picks = rng.choice(len(live), size=max(1, len(live) // 300), replace=False) if live else ()
        retract = frozenset(live[int(k)] for k in picks)
        width = len(before[0]) if before else len(rows[0]) if rows else 2
        merged, ch, kept = merge_table(
            before,
            rows,
            key=0,
            stamp_col=width - 2,
            stamp=stamp,
            deleted_col=width - 1,
            delete=retract,
        )
        tables[table] = merged
        for kind in total:
            total[kind] += ch[kind]
        carried += _carried(old_dirty, "student_aid", kept)
    changes["student_aid"] = total
    exchange.write_exchange(path, tables["xszz_ffmx"], tables["jdlk_pkh"])
    deleted = set(total["deleted"])
    records = [d.as_json() for d in planted if d.locator.get("id") not in deleted]
    count = {"student_aid": {"files": 1, "records": sum(len(v) for v in tables.values())}}
    return records + carried, count


def _advance_api(
    folder: Path, new: Province, changes: dict[str, Changes], old_dirty: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    path = folder / "api" / "simulator.db"
    contents = apidata.api_contents(new)
    stamp_classes(contents["classes"], new.period)
    tables, planted = apidata.plant_api(new, contents)
    tables["health_tests"] = []
    for rows, found in apidata.planted_health(new):
        tables["health_tests"] += rows
        planted += found
    out: dict[str, Iterable[Sequence[Any]]] = {}
    carried: list[dict[str, Any]] = []
    counts: dict[str, dict[str, int]] = {}
    kept_by: dict[str, set[str]] = {}
    for table, columns in apidata.TABLES.items():
        before: Iterable[Sequence[Any]] = (row[1:] for row in _rows(path, table, "seq"))
        key = columns.index(apidata.KEYS[table])
        source = apidata.SOURCES[table]
        kept: set[str] = set()
        kept_by[source] = kept
        if table == "health_tests":  # big: streamed, merged by key while the new file is written
            ch: Changes = {"inserted": [], "updated": [], "deleted": []}
            by_key = (row[1:] for row in _rows(path, table, columns[key]))
            out[table] = _counted(
                merge_sorted(by_key, tables[table], key=key, stamp_col=len(columns) - 1,
                             stamp=api_stamp(new.period), changes=ch, kept_missing=kept),
                counts.setdefault(source, {"files": 0, "records": 0}),
            )  # fmt: skip
        elif table == "ict_schools":  # a quarter's survey replaces the previous one
            before = list(before)
            merged: list[Sequence[Any]] = list(tables[table])
            ch = diff(
                {str(r[key]): repr(list(r)) for r in before},
                {str(r[key]): repr(list(r)) for r in merged},
            )
            out[table] = merged
            counts[source] = {"files": 0, "records": len(merged)}
        else:
            merged, ch, kept_rows = merge_table(
                before,
                tables[table],
                key=key,
                stamp_col=len(columns) - 1,
                stamp=api_stamp(new.period),
            )
            kept |= kept_rows
            out[table] = merged
            counts[source] = {"files": 0, "records": len(merged)}
        changes[source] = ch
    fresh = path.with_name(path.name + ".new")
    apidata.write_api_db(fresh, out)
    fresh.replace(path)
    for source, kept in kept_by.items():
        carried += _carried(old_dirty, source, kept)
    return [d.as_json() for d in planted] + carried, counts


__all__ = ["advance", "evolve", "institution_rows", "province_at"]
