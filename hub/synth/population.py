"""The whole synthetic province at one period: schools, pupils and staff of every county.

Built from the seed alone (no hidden state on disk): ``--next-period`` rebuilds the base period
and replays the periods since, which is cheap because people are column arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hub.synth.people import (
    Pupils,
    Teachers,
    build_pupils,
    build_teachers,
    make_unique,
)
from hub.synth.province import BASE_PERIOD, Plan, plan_province
from hub.synth.schools import School, build_schools, build_universities

PID_STRIDE = 10_000_000  # pid = county index * stride + serial


@dataclass
class Province:
    plan: Plan
    period: str
    schools: list[School]
    pupils: dict[str, Pupils]
    teachers: dict[str, Teachers]
    closed: dict[str, str] = field(default_factory=dict)  # school code -> 撤销日期 YYYYMMDD
    next_serial: dict[str, int] = field(default_factory=dict)  # county -> next pid serial

    @property
    def step(self) -> int:
        return months_between(BASE_PERIOD, self.period)

    def by_code(self) -> dict[str, School]:
        return {s.code: s for s in self.schools}

    def county_schools(self, adcode: str) -> list[School]:
        return [s for s in self.schools if s.county == adcode and not s.university]

    @property
    def universities(self) -> list[School]:
        return [s for s in self.schools if s.university]


def months_between(start: str, end: str) -> int:
    return (int(end[:4]) - int(start[:4])) * 12 + int(end[4:]) - int(start[4:])


def add_months(period: str, months: int) -> str:
    total = int(period[:4]) * 12 + int(period[4:]) - 1 + months
    return f"{total // 12}{total % 12 + 1:02d}"


def build_province(seed: int, scale: float) -> Province:
    """The base period: every school, pupil and staff member, identifiers made unique."""
    plan = plan_province(seed, scale)
    schools: list[School] = []
    for county in plan.counties:
        schools += build_schools(plan, county, len(schools))
    uni_serial = 0
    for county in plan.counties:
        if county.universities:
            schools += build_universities(plan, county, len(schools), uni_serial * 3)
            uni_serial += county.universities
    pupils: dict[str, Pupils] = {}
    teachers: dict[str, Teachers] = {}
    for county in plan.counties:
        mine = [s for s in schools if s.county == county.adcode and not s.university]
        pupils[county.adcode] = build_pupils(plan, county, mine, county.index * PID_STRIDE)
        teachers[county.adcode] = build_teachers(plan, county, mine, county.index * PID_STRIDE)
    province = Province(plan, BASE_PERIOD, schools, pupils, teachers)
    province.next_serial = {a: len(p) for a, p in pupils.items()}
    unique_ids(province)
    return province


def unique_ids(
    province: Province,
    new: dict[str, Pupils] | None = None,
    new_staff: dict[str, Teachers] | None = None,
) -> None:
    """Every ID number and 学籍号 unique across the province (deterministically).

    People in ``new`` / ``new_staff`` yield to those already there, whose numbers never change.
    """
    rng = np.random.default_rng([province.plan.seed, 9, province.step])
    new, new_staff = new or {}, new_staff or {}
    counties = sorted(province.pupils)
    parts = [province.pupils[a] for a in counties] + [new[a] for a in sorted(new)]
    make_unique([(p.household, p.birth, p.id_seq) for p in parts], rng)
    staff = [province.teachers[a] for a in counties] + [new_staff[a] for a in sorted(new_staff)]
    make_unique([(t.region, t.birth, t.id_seq) for t in staff], rng)
    # J and L numbers: the registering county, birth day and their own sequence.
    groups = []
    for p in parts:
        j = p.xjh_kind == 1
        p.xjh_seq[j] = p.xjh_seq[j] % 1000
        region = p.xjh_region.astype(np.int64) + p.xjh_kind.astype(np.int64) * 10**7
        groups.append((region, p.birth, p.xjh_seq))
    make_unique(groups, rng)
