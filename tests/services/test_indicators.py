"""Indicator values against an independent plain-Python computation over the factory records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from hub.errors import Invalid, NotFound
from hub.services import indicators
from tests.gis.factories import Province, make_province

Counts = tuple[float, float]
K12 = ("21", "31", "34")


def _live(row: dict[str, Any]) -> bool:
    return not row.get("is_deleted", False)


def _in(region: str) -> Callable[[str], bool]:
    if region.endswith("0000"):
        return lambda county: county.startswith(region[:2])
    if region.endswith("00"):
        return lambda county: county.startswith(region[:4])
    return lambda county: county == region


def expected(p: Province, indicator_id: str, period: str, region: str) -> Counts:
    inside = _in(region)
    school = {s["code"]: s for s in p.schools}

    def ok(code: str, types: tuple[str, ...] = K12) -> bool:
        s = school[code]
        return inside(s["county_adcode"]) and s["school_type"][:2] in types

    ict = [r for r in p.ict if r["quarter"] == period and ok(r["school_code"])]
    uni = [r for r in p.ict if r["quarter"] == period and ok(r["school_code"], ("41",))]
    stats = [r for r in p.stats if str(r["year"]) == period and ok(r["school_code"])]
    surveyed = {r["school_code"] for r in p.ict if r["quarter"] == period}
    if indicator_id == "k12_gigabit":
        return sum(r["bandwidth_mbps"] >= 1000 for r in ict), len(ict)
    if indicator_id == "k12_wireless":
        return sum(r["wireless_coverage"] == "1" for r in ict), len(ict)
    if indicator_id == "university_wireless":
        return sum(r["wireless_coverage"] == "1" for r in uni), len(uni)
    if indicator_id == "multimedia_classrooms":
        return sum(r["classrooms_multimedia"] for r in ict), sum(r["classrooms_total"] for r in ict)
    if indicator_id == "teacher_spaces":
        heads = [
            t
            for t in p.teachers
            if _live(t) and t["school_code"] in surveyed and ok(t["school_code"])
        ]
        return sum(r["teacher_spaces_opened"] for r in ict), len(heads)
    if indicator_id == "student_spaces":
        heads = [s for s in p.students if _live(s) and s["status"] == "1"
                 and s["school_code"] in surveyed and ok(s["school_code"])]  # fmt: skip
        return sum(r["student_spaces_opened"] for r in ict), len(heads)
    bands = {"classes_56_65": ("b56_60", "b61_65"), "classes_66_plus": ("ge66",),
             "classes_56_plus": ("b56_60", "b61_65", "ge66")}  # fmt: skip
    if indicator_id in bands:
        return sum(r[b] for r in stats for b in bands[indicator_id]), sum(
            r["classes"] for r in stats
        )
    if indicator_id == "pupil_teacher_ratio":
        with_t = [r for r in stats if r["full_time_teachers"] is not None]
        return sum(r["students"] for r in with_t), sum(r["full_time_teachers"] for r in with_t)
    if indicator_id == "aid_coverage":
        hashes = {h["child_id_hash"] for h in p.poor if _live(h)}
        kids = [s for s in p.students if _live(s) and s["id_hash"] in hashes
                and inside(school[s["school_code"]]["county_adcode"])]  # fmt: skip
        paid = {a["xjh"] for a in p.aid if _live(a) and a["school_year"] == period}
        return sum(k["xjh"] in paid for k in kids), len(kids)
    if indicator_id == "health_pass_rate":
        latest: dict[str, dict[str, Any]] = {}
        for t in p.health:
            newer = t["xjh"] not in latest or t["test_date"] > latest[t["xjh"]]["test_date"]
            if _live(t) and t["school_year"] == period and newer:
                latest[t["xjh"]] = t
        mine = [t for t in latest.values() if inside(school[t["school_code"]]["county_adcode"])]
        return sum(t["grade_level"] in "123" for t in mine), len(mine)
    grads = [g for g in p.graduates if str(g["graduation_year"]) == period
             and inside(school[g["university_code"]]["county_adcode"])]  # fmt: skip
    hit = {"graduate_placement": "12345", "graduate_employed": "145",
           "graduate_further_study": "23"}[indicator_id]  # fmt: skip
    return sum(g["destination"] in hit for g in grads), len(grads)


PERIODS = {"quarter": "2026Q3", "year": "2026", "school_year": "2026-2027",
           "health_year": "2026-2027", "graduation_year": "2026"}  # fmt: skip


@pytest.fixture
def province(session: Session) -> Province:
    return make_province(session)


@pytest.mark.parametrize("indicator_id", sorted(indicators.INDICATORS))
def test_compute_indicator_matches_independent_count(
    session: Session, province: Province, indicator_id: str
) -> None:
    period = PERIODS[indicators.INDICATORS[indicator_id].period_kind]
    for level in indicators.LEVELS:
        values = indicators.compute(
            session=session, indicator_id=indicator_id, level=level, period=period
        )
        assert values, level
        for v in values:
            num, den = expected(province, indicator_id, period, v.adcode)
            assert (v.numerator, v.denominator) == (num, den), (level, v.adcode)
            assert v.value == (pytest.approx(num / den) if den else None)


def test_compute_indicator_reports_change_on_previous_year(
    session: Session, province: Province
) -> None:
    [v] = indicators.compute(
        session=session, indicator_id="classes_56_plus", level="province", period="2026"
    )
    num, den = expected(province, "classes_56_plus", "2025", "320000")
    assert v.previous == pytest.approx(num / den)
    assert v.value is not None
    assert v.change == pytest.approx(v.value - num / den)


def test_compute_indicator_judges_target_lower_is_better(
    session: Session, province: Province
) -> None:
    for v in indicators.compute(session=session, indicator_id="classes_56_plus", period="2026"):
        if v.value is not None:
            assert v.met == (v.value <= 0.05)
            assert v.gap == pytest.approx(max(0.0, v.value - 0.05))


def test_compute_indicator_maps_reporting_quarter_to_school_year(
    session: Session, province: Province
) -> None:
    [v] = indicators.compute(
        session=session, indicator_id="aid_coverage", level="province", period="2026Q3"
    )
    assert v.period == "2026-2027"
    assert (v.numerator, v.denominator) == expected(province, "aid_coverage", "2026-2027", "320000")


def test_compute_indicator_filters_graduates_by_degree(
    session: Session, province: Province
) -> None:
    [v] = indicators.compute(
        session=session, indicator_id="graduate_placement", level="province", period="2026",
        degree="2",
    )  # fmt: skip
    grads = [
        g for g in province.graduates if g["graduation_year"] == 2026 and g["degree_level"] == "2"
    ]
    assert v.denominator == len(grads)
    assert v.numerator == sum(g["destination"] != "6" for g in grads)


def test_compute_indicator_defaults_to_latest_period(session: Session, province: Province) -> None:
    [v] = indicators.compute(session=session, indicator_id="k12_gigabit", level="province")
    assert v.period == "2026Q3"


def test_compute_unknown_indicator_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        indicators.compute(session=session, indicator_id="nope", period="2026")


def test_compute_indicator_rejects_bad_period(session: Session) -> None:
    with pytest.raises(Invalid, match="period"):
        indicators.compute(session=session, indicator_id="k12_gigabit", period="last year")
