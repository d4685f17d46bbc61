"""The data behind the HTTP sources (class roster, physical health, ICT survey).

Kept in ``DIR/api/simulator.db`` (SQLite), which ``eduhub synth serve`` copies and serves. Values
are stored as the API will return them, dirt included (a height sent as the string "abc").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from hub.synth import dirt
from hub.synth.dirt import Columns, Dirty, Row, Spec
from hub.synth.exchange import unknown_xjh
from hub.synth.people import SCHOOL_YEAR, date_of, unit, xjh_of
from hub.synth.population import Province, add_months
from hub.synth.province import BASE_PERIOD
from hub.synth.schools import School, unknown_school_code
from schemas import rules

CLASS_COLUMNS = ("class_id", "school_code", "grade", "class_no", "head_count", "head_teacher_no",
                 "updated_at")  # fmt: skip
HEALTH_COLUMNS = (
    "xjh", "school_code", "test_date", "height_cm", "weight_kg", "vital_capacity_ml", "run_50m_s",
    "sit_and_reach_cm", "total_score", "grade_level", "updated_at",
)  # fmt: skip
ICT_COLUMNS = ("school_code", "bandwidth_mbps", "wireless_coverage", "classrooms_total",
               "classrooms_multimedia", "teacher_spaces_opened", "student_spaces_opened",
               "reported_at")  # fmt: skip
TABLES = {"classes": CLASS_COLUMNS, "health_tests": HEALTH_COLUMNS, "ict_schools": ICT_COLUMNS}
ENDPOINTS = {
    "classes": "/api/classes",
    "health_tests": "/api/v2/tests",
    "ict_schools": "/api/ict/schools",
}
SOURCES = {
    "classes": "class_roster",
    "health_tests": "physical_health",
    "ict_schools": "ict_survey",
}
KEYS = {"classes": "class_id", "health_tests": "xjh", "ict_schools": "school_code"}
TESTED_AT_START, TESTED_PER_MONTH = 0.4, 0.2
UNIVERSITY_WIRELESS_SHARE = 0.85


def iso(day: date, hour: int = 10) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+08:00"


def class_rows(province: Province) -> list[Row]:
    rows: list[Row] = []
    for county in province.plan.counties:
        p = province.pupils[county.adcode]
        t = province.teachers[county.adcode]
        counts: dict[tuple[int, int, int], int] = {}
        for key in zip(p.school.tolist(), p.grade.tolist(), p.class_no.tolist(), strict=True):
            counts[key] = counts.get(key, 0) + 1
        staff: dict[int, list[int]] = {}
        for k, s in enumerate(t.school.tolist()):
            if t.post[k] == 1:
                staff.setdefault(s, []).append(int(t.tid[k]))
        for s in province.county_schools(county.adcode):
            heads = staff.get(s.index, [])
            for grade, sizes in sorted(s.classes.items()):
                for k in range(len(sizes)):
                    head = f"JZG{heads[(grade * 7 + k) % len(heads)]:010d}" if heads else None
                    rows.append(
                        [
                            f"{s.code}{SCHOOL_YEAR}{grade:02d}{k + 1:02d}",
                            s.code,
                            grade,
                            k + 1,
                            counts.get((s.index, grade, k + 1), 0),
                            head,
                            None,
                        ]
                    )
    rows.sort(key=lambda r: r[0])
    return rows


def tested_step(u: np.ndarray) -> np.ndarray:
    """Period (months after the base) in which a pupil takes this year's test."""
    return np.where(u < TESTED_AT_START, 0, np.ceil((u - TESTED_AT_START) / TESTED_PER_MONTH))


def health_rows(province: Province, county: Any) -> list[Row]:
    """This school year's tests of the county's pupils tested by now (sorted by 学籍号)."""
    seed, step = province.plan.seed, province.step
    rows: list[Row] = []
    p = province.pupils[county.adcode]
    # A newcomer is tested after arriving, so the test is new when it first shows up.
    when = np.maximum(tested_step(unit(seed, 401, p.pid)), p.arrived)
    noise = [unit(seed, 410 + k, p.pid) for k in range(6)]
    for i in np.flatnonzero(when <= step).tolist():
        month = add_months(BASE_PERIOD, int(when[i]))
        tested = date(int(month[:4]), int(month[4:]), 1) + timedelta(days=int(noise[0][i] * 25))
        age = (tested - date_of(int(p.birth[i]))).days / 365.25
        boy = p.sex[i] == 1
        grown = min(age - 6, 10.0)
        height = (
            116 + 6.2 * grown + (3 * max(grown - 6, 0) if boy else 0) + (noise[1][i] - 0.5) * 16
        )
        weight = 21 * (height / 116) ** 3 * (0.85 + 0.3 * noise[2][i])
        score = float(np.clip(60 + 35 * noise[3][i] + 10 * (noise[4][i] - 0.5), 40, 100))
        level = (
            "优秀"
            if score >= 90
            else "良好"
            if score >= 80
            else "及格"
            if score >= 60
            else "不及格"
        )
        rows.append([
            xjh_of(p, i), province.schools[int(p.school[i])].code,
            tested.isoformat(), round(height, 1), round(weight, 1),
            int(1000 + 260 * grown * (1.1 if boy else 1.0) + 300 * noise[5][i]),
            round(11.6 - 0.33 * grown - (0.3 if boy else 0) + noise[2][i], 1),
            round(4 + 12 * noise[4][i] - (2 if boy else 0), 1), round(score, 1), level,
            iso(tested + timedelta(days=1), 18),
        ])  # fmt: skip
    rows.sort(key=lambda r: r[0])
    return rows


def ict_rows(province: Province) -> list[Row]:
    seed = province.plan.seed
    rows: list[Row] = []
    quarter_end = {1: "03-28", 2: "06-28", 3: "09-28", 4: "12-28"}
    year, q = province.period[:4], (int(province.period[4:]) - 1) // 3 + 1
    for county in province.plan.counties:
        cu = unit(seed, 501, np.array([county.index]))[0]
        gigabit_share = 0.2 + 0.4 * cu  # straddles the plan's 40% target
        wireless_share = 0.3 + 0.4 * unit(seed, 502, np.array([county.index]))[0]
        t = province.teachers[county.adcode]
        opened: dict[int, int] = {}
        for s_idx, ok in zip(t.school.tolist(), t.space_opened.tolist(), strict=True):
            opened[s_idx] = opened.get(s_idx, 0) + int(ok)
        for s in province.county_schools(county.adcode):
            if not s.classes:
                continue
            u = unit(seed, 503, np.array([s.index * 8 + k for k in range(5)]))
            fast = u[0] < gigabit_share
            bandwidth = [1000, 2000][int(u[1] * 2)] if fast else [100, 200, 300, 500][int(u[1] * 4)]
            wireless = (
                "全覆盖" if u[2] < wireless_share else "部分覆盖" if u[2] < 0.95 else "未覆盖"
            )
            total = sum(len(v) for v in s.classes.values()) + 2
            rows.append(
                [
                    s.code,
                    bandwidth,
                    wireless,
                    total,
                    round(total * (0.78 + 0.22 * u[3])),
                    opened.get(s.index, 0),
                    round(s.pupils * (0.55 + 0.4 * u[4])),
                    f"{year}-{quarter_end[q]}",
                ]
            )
    rows += [_university_ict(s, seed, f"{year}-{quarter_end[q]}") for s in province.universities]
    rows.sort(key=lambda r: r[0])
    return rows


def _university_ict(s: School, seed: int, reported: str) -> Row:
    """A university's survey row: fast links, wireless full coverage for about 85% of them
    (the plan's target is 90%), classrooms by size; learning spaces are a K-12 measure."""
    u = unit(seed, 504, np.array([s.index * 8 + k for k in range(4)]))
    wireless = "全覆盖" if u[0] < UNIVERSITY_WIRELESS_SHARE else "部分覆盖"
    total = 120 + int(u[2] * 400)
    return [s.code, [1000, 2000, 10000][int(u[1] * 3)], wireless, total,
            round(total * (0.85 + 0.15 * u[3])), 0, 0, reported]  # fmt: skip


def api_specs(rng: np.random.Generator, county_for_codes: Any) -> dict[str, Spec]:
    unknown = unknown_school_code("21", county_for_codes, rng)
    return {
        "classes": Spec(
            faults=[(dirt.set_to("school_code", rules.SCHOOL_UNKNOWN, lambda r, g: unknown), 1)],
            quirks=[(dirt.number_as_text("head_count"), 1)],
        ),
        "health_tests": Spec(
            faults=[
                (dirt.set_to("xjh", rules.STUDENT_UNKNOWN, lambda r, g: unknown_xjh(g)), 1),
                (dirt.set_to("height_cm", rules.NUMBER_INVALID, lambda r, g: "abc"), 1),
                (dirt.emptied("test_date"), 1),
            ],
            quirks=[(dirt.number_as_text("height_cm"), 1), (dirt.number_as_text("weight_kg"), 1)],
        ),
        "ict_schools": Spec(
            faults=[(dirt.set_to("school_code", rules.SCHOOL_UNKNOWN, lambda r, g: unknown), 1)],
            quirks=[(dirt.number_as_text("bandwidth_mbps"), 1)],
        ),
    }


def api_contents(province: Province) -> dict[str, list[Row]]:
    """Class roster and ICT rows (health tests come county by county from ``planted_health``)."""
    return {"classes": class_rows(province), "ict_schools": ict_rows(province)}


def _plant_table(
    table: str, rows: list[Row], spec: Spec, rng: np.random.Generator
) -> tuple[list[Row], list[Dirty]]:
    key = KEYS[table]
    planted, found = dirt.plant(rows, Columns(TABLES[table]), spec, rng, SOURCES[table], key)
    k = TABLES[table].index(key)
    dirt.locate(
        found, planted, "", lambda pos: {"endpoint": ENDPOINTS[table], "key": planted[pos][k]}
    )
    for record in found:
        record.file = None
    return planted, found


def plant_api(
    province: Province, contents: dict[str, list[Row]]
) -> tuple[dict[str, list[Row]], list[Dirty]]:
    rng = np.random.default_rng([province.plan.seed, 40, province.step])
    specs = api_specs(rng, province.plan.counties[0])
    out: dict[str, list[Row]] = {}
    records: list[Dirty] = []
    for table, rows in contents.items():
        out[table], found = _plant_table(table, rows, specs[table], rng)
        records += found
    return out, records


def planted_health(province: Province) -> Iterator[tuple[list[Row], list[Dirty]]]:
    """Health tests county by county (dirt planted per county): never a province in memory."""
    for county in province.plan.counties:
        rng = np.random.default_rng([province.plan.seed, 41, province.step, county.index])
        spec = api_specs(rng, county)["health_tests"]
        yield _plant_table("health_tests", health_rows(province, county), spec, rng)


def write_api_db(path: Path, tables: Mapping[str, Iterable[Sequence[Any]]]) -> None:
    if path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        for table, columns in TABLES.items():
            conn.execute(f"CREATE TABLE {table} (seq INTEGER PRIMARY KEY, {', '.join(columns)})")
            conn.execute(f"CREATE INDEX ix_{table}_updated ON {table} ({columns[-1]}, seq)")
            with conn:
                conn.executemany(
                    f"INSERT INTO {table} VALUES (?, {', '.join('?' * len(columns))})",
                    ((k + 1, *row) for k, row in enumerate(tables[table], start=0)),
                )
    finally:
        conn.close()
