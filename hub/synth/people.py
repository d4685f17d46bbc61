"""Pupils and teachers as column arrays (numpy), turned into strings only when a file is written.

Keeping people as numbers (name indices, birth day, region, sequence) keeps a whole province at
scale 0.1 in about 100 MB and makes every identifier reproducible from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from hub.synth.names import draw_names
from hub.synth.places import points_near
from hub.synth.province import County, Plan
from hub.synth.schools import School
from schemas.identifiers import id_check_char
from schemas.regions_data import all_regions

EPOCH = date(1970, 1, 1)
SCHOOL_YEAR = 2026  # the school year 2026-2027 is under way in the base period
ETHNIC_MINORITIES = ("03", "02", "06", "11", "08", "15", "04", "05", "07", "10")
XJH_G, XJH_J, XJH_L = 0, 1, 2


@lru_cache
def other_province_counties() -> tuple[int, ...]:
    """County codes outside Jiangsu that migrants' ID numbers carry (neighbours first)."""
    near = ("34", "41", "37", "33", "36", "42", "51", "52", "43")
    return tuple(
        int(r.adcode) for r in all_regions() if r.level == "county" and r.adcode[:2] in near
    )


@dataclass
class Pupils:
    """One county's pupils, one entry per pupil in every array."""

    pid: np.ndarray  # int64, stable across periods
    surname: np.ndarray
    given1: np.ndarray
    given2: np.ndarray
    sex: np.ndarray  # 1 male, 2 female
    birth: np.ndarray  # int32 days since 1970-01-01
    ethnicity: np.ndarray  # int8 index: 0 = 汉族, k = ETHNIC_MINORITIES[k-1]
    household: np.ndarray  # int32 county adcode (户口所在地, also the ID's region)
    id_seq: np.ndarray  # int16 0..999 (odd male, even female)
    xjh_kind: np.ndarray  # int8 G/J/L
    xjh_seq: np.ndarray  # int16: J sequence or L random digits
    xjh_region: np.ndarray  # int32: county of the school that first registered the pupil
    school: np.ndarray  # int32 global school index
    grade: np.ndarray  # int8 1..12
    class_no: np.ndarray  # int8
    enrol: np.ndarray  # int32 YYYYMM
    boarding: np.ndarray  # bool
    road: np.ndarray  # int16
    house_no: np.ndarray  # int16
    lon: np.ndarray  # float64 GCJ-02
    lat: np.ndarray
    suspended: np.ndarray  # bool 休学
    poor: np.ndarray  # bool
    left_behind: np.ndarray  # int8 0/1/2
    migrant: np.ndarray  # bool 随迁子女
    arrived: np.ndarray  # int16: period step in which the pupil first appeared (0 = base)

    def __len__(self) -> int:
        return len(self.pid)

    def take(self, index: np.ndarray) -> Pupils:
        return Pupils(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Pupils]) -> Pupils:
        return Pupils(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Pupils)}
        )


def day_of(d: date) -> int:
    return (d - EPOCH).days


def date_of(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def ymd(day: int) -> str:
    return date_of(day).strftime("%Y%m%d")


def id_number(region: int, birth_day: int, seq: int) -> str:
    body = f"{region:06d}{ymd(birth_day)}{seq:03d}"
    return body + id_check_char(body)


def xjh_of(p: Pupils, i: int) -> str:
    kind = int(p.xjh_kind[i])
    school_county = f"{int(p.xjh_region[i]):06d}"
    if kind == XJH_G:
        return "G" + id_number(int(p.household[i]), int(p.birth[i]), int(p.id_seq[i]))
    if kind == XJH_J:
        body = f"{school_county}{ymd(int(p.birth[i]))}{int(p.xjh_seq[i]) % 1000:03d}"
        return "J" + body + id_check_char(body)
    return f"L{school_county}{ymd(int(p.birth[i]))}{int(p.xjh_seq[i]):04d}"


def _grade_birth_window(grade: np.ndarray) -> np.ndarray:
    """First possible birthday for a pupil in ``grade`` (on time, no repeated year)."""
    start_year = SCHOOL_YEAR - 6 - (grade.astype(np.int64) - 1) - 1
    return np.array([day_of(date(int(y), 9, 1)) for y in start_year], dtype=np.int64)


def _enrol_month(grade: np.ndarray) -> np.ndarray:
    """入学年月 of the current school stage (primary from grade 1, junior 7, senior 10)."""
    stage_start = np.where(grade >= 10, 10, np.where(grade >= 7, 7, 1))
    return ((SCHOOL_YEAR - (grade - stage_start)) * 100 + 9).astype(np.int32)


def build_pupils(
    plan: Plan, county: County, schools: list[School], pid_base: int, step: int = 0
) -> Pupils:
    """Every pupil of the county's schools, sat in their classes."""
    rng = np.random.default_rng([plan.seed, 3, county.index, step])
    school_idx: list[int] = []
    grades: list[int] = []
    class_nos: list[int] = []
    centres: list[tuple[float, float]] = []
    for s in schools:
        for g, sizes in sorted(s.classes.items()):
            for k, size in enumerate(sizes):
                school_idx += [s.index] * size
                grades += [g] * size
                class_nos += [k + 1] * size
                centres += [(s.lon, s.lat)] * size
    n = len(school_idx)
    grade = np.array(grades, dtype=np.int8)
    return new_pupils(
        plan,
        county,
        rng,
        pid_base,
        grade,
        np.array(school_idx, dtype=np.int32),
        np.array(class_nos, dtype=np.int8),
        np.array(centres).reshape(n, 2),
    )


def new_pupils(
    plan: Plan,
    county: County,
    rng: np.random.Generator,
    pid_base: int,
    grade: np.ndarray,
    school: np.ndarray,
    class_no: np.ndarray,
    centres: np.ndarray,
    step: int = 0,
) -> Pupils:
    n = len(grade)
    surname, given1, given2 = draw_names(rng, n)
    sex = np.where(rng.random(n) < 0.53, 1, 2).astype(np.int8)
    late = (rng.random(n) < 0.03).astype(np.int64) * 365
    birth = (_grade_birth_window(grade) - late + rng.integers(0, 365, n)).astype(np.int32)
    ethnicity = np.where(rng.random(n) < 0.97, 0, rng.integers(1, len(ETHNIC_MINORITIES) + 1, n))
    origin = rng.random(n)
    household = np.full(n, int(county.adcode), dtype=np.int32)
    in_province = [int(c.adcode) for c in plan.counties if c.adcode != county.adcode]
    moved = (origin >= 0.85) & (origin < 0.95)
    household[moved] = rng.choice(in_province, int(moved.sum()))
    migrant = origin >= 0.95
    outside = other_province_counties()
    household[migrant] = rng.choice(outside, int(migrant.sum()))
    k = rng.integers(0, 500, n)
    id_seq = (2 * k + (sex == 1)).astype(np.int16)
    kind_draw = rng.random(n)
    xjh_kind = np.where(kind_draw < 0.96, XJH_G, np.where(kind_draw < 0.99, XJH_J, XJH_L))
    secondary = grade >= 7
    boarding = rng.random(n) < np.where(secondary, 0.25 if not county.urban else 0.08, 0.02)
    sigma = 1.5 if county.urban else 3.0
    homes = points_near(county.adcode, centres, sigma, rng) if n else centres
    poor_rate = {"north": 0.03, "middle": 0.02, "south": 0.006}[county.region]
    lb = rng.random(n)
    lb_rate = {"north": 0.10, "middle": 0.07, "south": 0.02}[county.region]
    return Pupils(
        pid=(pid_base + np.arange(n)).astype(np.int64),
        surname=surname,
        given1=given1,
        given2=given2,
        sex=sex,
        birth=birth,
        ethnicity=ethnicity.astype(np.int8),
        household=household,
        id_seq=id_seq,
        xjh_kind=xjh_kind.astype(np.int8),
        xjh_seq=rng.integers(0, 10000, n).astype(np.int16),
        xjh_region=np.full(n, int(county.adcode), dtype=np.int32),
        school=school.astype(np.int32),
        grade=grade.astype(np.int8),
        class_no=class_no.astype(np.int8),
        enrol=_enrol_month(grade.astype(np.int32)),
        boarding=boarding,
        road=rng.integers(0, 30, n).astype(np.int16),
        house_no=rng.integers(1, 300, n).astype(np.int16),
        lon=np.round(homes[:, 0], 6) if n else np.empty(0),
        lat=np.round(homes[:, 1], 6) if n else np.empty(0),
        suspended=rng.random(n) < 0.005,
        poor=rng.random(n) < poor_rate,
        left_behind=np.where(lb < lb_rate * 0.6, 1, np.where(lb < lb_rate, 2, 0)).astype(np.int8),
        migrant=migrant,
        arrived=np.full(n, step, dtype=np.int16),
    )


def id_keys(region: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """One int64 per ID number body (region, birth day, sequence) to find duplicates."""
    return (region.astype(np.int64) * 100_000 + birth.astype(np.int64)) * 1000 + seq.astype(
        np.int64
    )


def make_unique(
    groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]], rng: np.random.Generator
) -> None:
    """Re-draw sequence numbers (keeping the sex parity) until every ID body is unique.

    ``groups`` are (region, birth, seq) arrays of every person of the province; ``seq`` arrays are
    changed in place. Later entries yield to earlier ones, so the result is deterministic.
    """
    for _ in range(50):
        keys = np.concatenate([id_keys(*g) for g in groups])
        _, first = np.unique(keys, return_index=True)
        dup = np.ones(len(keys), dtype=bool)
        dup[first] = False
        if not dup.any():
            return
        offset = 0
        for _region, _birth, seq in groups:
            part = dup[offset : offset + len(seq)]
            if part.any():
                parity = seq[part] % 2
                seq[part] = (2 * rng.integers(0, 500, int(part.sum())) + parity).astype(seq.dtype)
            offset += len(seq)
    raise RuntimeError("could not make ID numbers unique")  # pragma: no cover


@dataclass
class Teachers:
    """One county's staff."""

    tid: np.ndarray
    surname: np.ndarray
    given1: np.ndarray
    given2: np.ndarray
    sex: np.ndarray
    birth: np.ndarray
    region: np.ndarray
    id_seq: np.ndarray
    school: np.ndarray
    post: np.ndarray  # 1 专任教师 2 行政 3 教辅 4 工勤
    subject: np.ndarray
    education: np.ndarray
    title: np.ndarray
    work_start: np.ndarray  # YYYYMM
    ict_trained: np.ndarray
    space_opened: np.ndarray

    def __len__(self) -> int:
        return len(self.tid)

    def take(self, index: np.ndarray) -> Teachers:
        return Teachers(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Teachers]) -> Teachers:
        return Teachers(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in parts])
                for f in fields(Teachers)
            }
        )


def build_teachers(
    plan: Plan, county: County, schools: list[School], tid_base: int, step: int = 0
) -> Teachers:
    rng = np.random.default_rng([plan.seed, 4, county.index, step])
    school = np.array([s.index for s in schools for _ in range(s.teachers)], dtype=np.int32)
    return new_teachers(county, rng, tid_base, school)


def new_teachers(
    county: County, rng: np.random.Generator, tid_base: int, school: np.ndarray
) -> Teachers:
    n = len(school)
    surname, given1, given2 = draw_names(rng, n)
    sex = np.where(rng.random(n) < 0.3, 1, 2).astype(np.int8)
    birth_year = rng.integers(1966, 2003, n)
    birth = np.array(
        [day_of(date(int(y), 1, 1)) for y in birth_year], dtype=np.int64
    ) + rng.integers(0, 365, n)
    region = np.where(
        rng.random(n) < 0.85, int(county.adcode), rng.choice(other_province_counties(), n)
    ).astype(np.int32)
    first_job = np.minimum(birth_year + rng.integers(21, 26, n), SCHOOL_YEAR)
    space_rate = float(np.clip(rng.normal(0.9, 0.06), 0.7, 1.0))
    return Teachers(
        tid=(tid_base + np.arange(n)).astype(np.int64),
        surname=surname,
        given1=given1,
        given2=given2,
        sex=sex,
        birth=birth.astype(np.int32),
        region=region,
        id_seq=(2 * rng.integers(0, 500, n) + (sex == 1)).astype(np.int16),
        school=school,
        post=rng.choice([1, 2, 3, 4], n, p=[0.85, 0.06, 0.05, 0.04]).astype(np.int8),
        subject=rng.integers(0, 14, n).astype(np.int8),
        education=rng.choice([0, 1, 2, 3], n, p=[0.12, 0.78, 0.09, 0.01]).astype(np.int8),
        title=rng.choice([0, 1, 2, 3, 4, 5], n, p=[0.02, 0.25, 0.35, 0.25, 0.03, 0.10]).astype(
            np.int8
        ),
        work_start=(first_job * 100 + rng.choice([7, 8, 9], n)).astype(np.int32),
        ict_trained=rng.random(n) < 0.8,
        space_opened=rng.random(n) < space_rate,
    )


def unit(seed: int, salt: int, ids: np.ndarray) -> np.ndarray:
    """A uniform [0, 1) per id that does not depend on who else is there (splitmix64 hash).

    Used where a person's draw must survive from one period to the next.
    """
    with np.errstate(over="ignore"):
        x = ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x ^= np.uint64((seed * 1_000_003 + salt) & 0xFFFFFFFFFFFFFFFF)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)
