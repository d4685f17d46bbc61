"""The student-aid exchange database (前置库): tables xszz_ffmx and jdlk_pkh in one SQLite file.

Most children of registered poor households receive aid, not all; a few other pupils receive it
too. Every row carries ``update_time`` and ``is_deleted`` so connectors can pull by watermark.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from hub.synth import dirt
from hub.synth.dirt import Columns, Dirty, Row, Spec
from hub.synth.names import person_name
from hub.synth.people import Pupils, id_number, unit, xjh_of
from hub.synth.population import Province
from hub.synth.province import County
from schemas import rules

AID_COLUMNS = ("id", "xjh", "xm", "zzxm", "je", "xn", "xq", "ffrq", "update_time", "is_deleted")
PKH_COLUMNS = ("id", "sfzjh", "hzxm", "xzqh", "pkhsx", "update_time", "is_deleted")
ATTRIBUTES = ("一般贫困户", "低保贫困户", "五保贫困户")
SCHEMA = """
CREATE TABLE xszz_ffmx (id TEXT PRIMARY KEY, xjh TEXT, xm TEXT, zzxm TEXT, je NUMERIC, xn TEXT,
  xq TEXT, ffrq TEXT, update_time TEXT NOT NULL, is_deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE jdlk_pkh (id TEXT PRIMARY KEY, sfzjh TEXT, hzxm TEXT, xzqh TEXT, pkhsx TEXT,
  update_time TEXT NOT NULL, is_deleted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX ix_xszz_ffmx_update_time ON xszz_ffmx (update_time, id);
CREATE INDEX ix_jdlk_pkh_update_time ON jdlk_pkh (update_time, id);
"""


@dataclass
class Payment:
    stage: str
    programme: str
    amount: float


def _programmes(grade: int, vocational: bool, boarding: bool) -> list[tuple[str, float]]:
    if vocational:
        return [("免学费", 1200.0), ("国家助学金", 1000.0)]
    if grade >= 10:
        return [("国家助学金", 1000.0)]
    base = 625.0 if grade <= 6 else 750.0
    return [("生活补助", base + (250.0 if boarding else 0.0))]


def unknown_xjh(rng: np.random.Generator) -> str:
    """A well-formed G number nobody holds (region 320199 is never issued)."""
    birth = (date(2012, 1, 1) - date(1970, 1, 1)).days + int(rng.integers(0, 2000))
    return "G" + id_number(320199, birth, int(rng.integers(0, 1000)))


def aid_rows(province: Province, county: County, period_end: date) -> tuple[list[Row], list[Row]]:
    """Payments and poor households of one county (ids are unique province-wide)."""
    p: Pupils = province.pupils[county.adcode]
    seed = province.plan.seed
    schools = province.schools
    u_aid, u_head, u_attr, u_day = (unit(seed, salt, p.pid) for salt in (301, 302, 303, 304))
    receives = (p.poor & (u_aid < 0.9)) | (~p.poor & (u_aid < 0.012))
    payments: list[Row] = []
    households: list[Row] = []
    for i in np.flatnonzero(receives | p.poor).tolist():
        name = person_name(int(p.surname[i]), int(p.given1[i]), int(p.given2[i]), int(p.sex[i]))
        xjh = xjh_of(p, i)
        pid = int(p.pid[i])
        if p.poor[i] and p.xjh_kind[i] != 1:
            head = person_name(int(p.surname[i]), int(u_head[i] * 1000), -1, 1)
            attribute = ATTRIBUTES[0 if u_attr[i] < 0.7 else 1 if u_attr[i] < 0.95 else 2]
            households.append([
                f"PKH{pid:012d}",
                id_number(int(p.household[i]), int(p.birth[i]), int(p.id_seq[i])),
                head, county.adcode, attribute,
                _stamp(date(2026, 3, 1) + timedelta(days=int(u_day[i] * 150))), 0,
            ])  # fmt: skip
        if not receives[i]:
            continue
        grade = int(p.grade[i])
        vocational = schools[int(p.school[i])].type_code == "365"
        # Last year's terms were paid in one sum each; this year's are paid monthly, so every
        # period brings new payments.
        terms = [("2026-2027", "1" if m >= 9 else "2", date(2026 + (m < 9), m, 10), 4)
                 for m in (9, 10, 11, 12, 3, 4, 5, 6)]  # fmt: skip
        if grade not in (1, 7, 10):
            terms = [("2025-2026", "1", date(2025, 10, 15), 1),
                     ("2025-2026", "2", date(2026, 4, 15), 1), *terms]  # fmt: skip
        for k, (xn, xq, paid, parts) in enumerate(terms):
            paid = paid + timedelta(days=int(u_day[i] * 15))
            if paid > period_end:
                continue
            for j, (programme, amount) in enumerate(
                _programmes(grade, vocational, bool(p.boarding[i]))
            ):
                payments.append(
                    [
                        f"FF{pid:012d}{k:02d}{j}",
                        xjh,
                        name,
                        programme,
                        round(amount / parts, 2),
                        xn,
                        xq,
                        paid.isoformat(),
                        _stamp(paid + timedelta(days=2)),
                        0,
                    ]
                )
    return payments, households


def _stamp(day: date, second: int = 0) -> str:
    return f"{day.isoformat()} 08:{(second // 60) % 60:02d}:{second % 60:02d}"


def aid_spec(rng: np.random.Generator) -> Spec:
    return Spec(
        faults=[
            (dirt.set_to("xjh", rules.STUDENT_UNKNOWN, lambda r, g: unknown_xjh(g)), 2),
            (dirt.emptied("zzxm"), 1),
            (dirt.set_to("je", rules.NUMBER_INVALID, lambda r, g: "一千元"), 1),
            (dirt.set_to("zzxm", "code.aid_programme", lambda r, g: "爱心捐助"), 1),
        ],
        quirks=[(dirt.padded("xm"), 1), (dirt.padded("xm", full_width=True), 1)],
    )


def pkh_spec() -> Spec:
    return Spec(
        faults=[
            (dirt.wrong_check_digit("sfzjh"), 2),
            (dirt.set_to("xzqh", rules.ADCODE_UNKNOWN, lambda r, g: "329999"), 1),
        ],
        quirks=[(dirt.lower_x("sfzjh"), 2), (dirt.padded("hzxm"), 1)],
    )


def exchange_contents(province: Province) -> tuple[list[Row], list[Row], list[Dirty]]:
    """All rows of both tables (sorted by id) with their planted dirt located."""
    end = period_end(province.period)
    payments: list[Row] = []
    households: list[Row] = []
    for county in province.plan.counties:
        pay, hh = aid_rows(province, county, end)
        payments += pay
        households += hh
    payments.sort(key=lambda r: r[0])
    households.sort(key=lambda r: r[0])
    rng = np.random.default_rng([province.plan.seed, 31, province.step])
    payments, d1 = dirt.plant(
        payments, Columns(AID_COLUMNS), aid_spec(rng), rng, "student_aid", "id"
    )
    households, d2 = dirt.plant(
        households, Columns(PKH_COLUMNS), pkh_spec(), rng, "student_aid", "id"
    )
    for table, rows, records in (("xszz_ffmx", payments, d1), ("jdlk_pkh", households, d2)):
        dirt.locate(
            records,
            rows,
            "exchange.db",
            lambda k: {"table": table, "id": rows[k][0]},  # noqa: B023
        )
    return payments, households, d1 + d2


def period_end(period: str) -> date:
    year, month = int(period[:4]), int(period[4:])
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def write_exchange(
    path: Path, payments: Sequence[Sequence[Any]], households: Sequence[Sequence[Any]]
) -> None:
    """A fresh SQLite file, written in one transaction so its bytes depend on the rows only."""
    if path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        conn.executescript(SCHEMA)
        with conn:
            conn.executemany(f"INSERT INTO xszz_ffmx VALUES ({','.join('?' * 10)})", payments)
            conn.executemany(f"INSERT INTO jdlk_pkh VALUES ({','.join('?' * 7)})", households)
    finally:
        conn.close()


def read_table(path: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
