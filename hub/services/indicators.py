"""The decision-support indicators: definitions, targets, and values per county, city, province.

Definitions are data (``INDICATORS``); ``docs/indicators.md`` writes each one out. Values come
from per-county counts (``hub.gis.indicator_queries``) summed up the region tree, so a city's
value is its numerator over its denominator, never an average of county percentages.

Periods: every indicator has a native period (an ICT survey quarter ``2026Q3``, a statistics
year ``2026``, a school year ``2026-2027``, a graduation year ``2026``). A reporting quarter is
accepted everywhere and mapped to the native period it falls in (``native_period``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session, select

from hub.errors import Invalid, NotFound
from hub.gis import indicator_queries as q
from schemas.reference import Region

LEVELS = ("province", "city", "county")


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    numerator: str
    denominator: str
    source: str
    period_kind: str  # quarter | year | school_year | health_year | graduation_year
    target: float | None = None
    higher_is_better: bool = True
    unit: str = "share"  # share (0-1) | ratio
    plan: str = ""  # where the target comes from

    def public(self) -> dict[str, Any]:
        return asdict(self)


ICT = "ICT survey (ict_surveys), schools of the given types"
STATS = "教育事业统计 class-size bands (class_size_stats), K-12 schools"
INDICATORS: dict[str, Indicator] = {
    i.id: i
    for i in (
        Indicator("k12_gigabit", "中小学千兆接入比例", "K-12 schools with bandwidth >= 1000 Mbps",
                  "K-12 schools surveyed", ICT, "quarter", 0.40, plan="2018 plan item 4"),
        Indicator("k12_wireless", "中小学无线网络全覆盖比例",
                  "K-12 schools with full wireless coverage (code 1)", "K-12 schools surveyed",
                  ICT, "quarter", 0.50, plan="2018 plan item 4"),
        Indicator("university_wireless", "高校无线网络全覆盖比例",
                  "universities (type 41x) with full wireless coverage",
                  "universities surveyed", ICT, "quarter", 0.90, plan="2018 plan item 4"),
        Indicator("multimedia_classrooms", "优质资源班班通（多媒体教室）覆盖率",
                  "multimedia classrooms in K-12 schools", "classrooms in K-12 schools surveyed",
                  ICT, "quarter", 0.90, plan="2018 plan item 4"),
        Indicator("teacher_spaces", "教师网络学习空间开通率",
                  "teacher learning spaces opened (ICT survey)",
                  "live teachers of the surveyed K-12 schools (teachers)", ICT, "quarter", 0.90,
                  plan="2018 plan item 8"),
        Indicator("student_spaces", "学生网络学习空间开通率",
                  "student learning spaces opened (ICT survey)",
                  "enrolled pupils (status 1) of the surveyed K-12 schools (students)", ICT,
                  "quarter", 0.75, plan="2018 plan item 8"),
        Indicator("classes_56_65", "大班额（56-65人）班级占比", "classes of 56-65 pupils",
                  "all classes", STATS, "year", None, higher_is_better=False),
        Indicator("classes_66_plus", "超大班额（66人及以上）班级占比", "classes of 66+ pupils",
                  "all classes", STATS, "year", 0.0, higher_is_better=False,
                  plan="国发〔2016〕40号: 66+ eliminated by end 2018"),
        Indicator("classes_56_plus", "56人及以上班级占比", "classes of 56+ pupils", "all classes",
                  STATS, "year", 0.05, higher_is_better=False,
                  plan="国发〔2016〕40号: 56+ basically eliminated (<= 5%) by end 2020"),
        Indicator("pupil_teacher_ratio", "生师比", "pupils (rows with a teacher count)",
                  "full-time teachers (专任教师数)", STATS, "year", None,
                  higher_is_better=False, unit="ratio"),
        Indicator("aid_coverage", "建档立卡贫困家庭子女资助覆盖率",
                  "children of registered poor households (id hash matched to a pupil) with at "
                  "least one aid payment in the school year",
                  "children of registered poor households found among live pupils",
                  "poor_households + students + aid_payments; county of the pupil's school",
                  "school_year", None),
        Indicator("health_pass_rate", "学生体质健康合格率",
                  "pupils whose latest test of the school year is 优秀/良好/及格",
                  "pupils tested in the school year", "health_tests; county of the school",
                  "health_year", None),
        Indicator("graduate_placement", "高校毕业生去向落实率",
                  "graduates with a destination other than 待就业", "graduates of the year",
                  "graduate_destinations; city/county of the university", "graduation_year"),
        Indicator("graduate_employed", "高校毕业生就业（含灵活就业、创业）比例",
                  "graduates 签约就业, 灵活就业 or 自主创业", "graduates of the year",
                  "graduate_destinations; city/county of the university", "graduation_year"),
        Indicator("graduate_further_study", "高校毕业生升学与出国比例",
                  "graduates 升学 or 出国", "graduates of the year",
                  "graduate_destinations; city/county of the university", "graduation_year"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Value:
    adcode: str
    name: str
    level: str
    period: str
    numerator: float
    denominator: float
    value: float | None
    target: float | None
    gap: float | None  # distance still to go to the target (0 when met)
    met: bool | None
    previous: float | None = None
    change: float | None = None


def get_indicator(indicator_id: str) -> Indicator:
    if indicator_id not in INDICATORS:
        raise NotFound(f"unknown indicator {indicator_id!r}; known: {', '.join(INDICATORS)}")
    return INDICATORS[indicator_id]


_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_NATIVE = {
    "quarter": _QUARTER,
    "year": re.compile(r"^\d{4}$"),
    "school_year": re.compile(r"^(\d{4})-(\d{4})$"),
    "health_year": re.compile(r"^(\d{4})-(\d{4})$"),
    "graduation_year": re.compile(r"^\d{4}$"),
}


def native_period(indicator: Indicator, period: str) -> str:
    """Map a reporting quarter (or a native period) to the indicator's own period."""
    if _NATIVE[indicator.period_kind].match(period):
        return period
    m = _QUARTER.match(period)
    if not m:
        raise Invalid(
            f"period {period!r} is neither a quarter (2026Q3) nor a {indicator.period_kind}"
        )
    year, quarter = int(m.group(1)), int(m.group(2))
    start = year if quarter >= 3 else year - 1  # school years start in September
    if indicator.period_kind in ("school_year", "health_year"):
        return f"{start}-{start + 1}"
    if indicator.period_kind == "graduation_year":
        return str(year if quarter >= 3 else year - 1)  # graduates leave in June
    return str(start)


def previous_period(indicator: Indicator, period: str) -> str:
    """The period before ``period`` (a native one): last quarter, last year, last school year."""
    m = _QUARTER.match(period)
    if m:
        year, quarter = int(m.group(1)), int(m.group(2))
        return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"
    if "-" in period:
        start = int(period[:4]) - 1
        return f"{start}-{start + 1}"
    return str(int(period) - 1)


def periods(*, session: Session, indicator_id: str) -> list[str]:
    """Native periods with data for this indicator, newest first."""
    kind = get_indicator(indicator_id).period_kind
    return list(reversed(q.periods_present(session, kind)))


def latest_period(*, session: Session, indicator_id: str) -> str | None:
    present = q.periods_present(session, get_indicator(indicator_id).period_kind)
    return present[-1] if present else None


def county_counts(
    *, session: Session, indicator_id: str, period: str, degree: str | None = None
) -> dict[str, tuple[float, float]]:
    indicator = get_indicator(indicator_id)
    return q.QUERIES[indicator.id](session, native_period(indicator, period), degree=degree)


def _roll_up(
    counts: dict[str, tuple[float, float]], regions: list[Region]
) -> dict[str, list[float]]:
    parent = {r.adcode: r.parent for r in regions}
    totals: dict[str, list[float]] = {r.adcode: [0.0, 0.0] for r in regions}
    for county, (num, den) in counts.items():
        code: str | None = county
        while code is not None and code in totals:
            totals[code][0] += num
            totals[code][1] += den
            code = parent.get(code)
    return totals


def _judge(indicator: Indicator, value: float | None) -> tuple[float | None, bool | None]:
    if value is None or indicator.target is None:
        return None, None
    gap = indicator.target - value if indicator.higher_is_better else value - indicator.target
    gap = max(0.0, gap)
    return gap, gap <= 1e-12


def compute(
    *,
    session: Session,
    indicator_id: str,
    level: str = "county",
    period: str | None = None,
    degree: str | None = None,
) -> list[Value]:
    """Values of one indicator for every region of ``level`` (``period`` defaults to the latest)."""
    if level not in LEVELS:
        raise Invalid(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    indicator = get_indicator(indicator_id)
    period = period or latest_period(session=session, indicator_id=indicator_id)
    if period is None:
        raise NotFound(f"no data for indicator {indicator_id!r} yet")
    native = native_period(indicator, period)
    regions = list(session.exec(select(Region)).all())
    now = _roll_up(county_counts(session=session, indicator_id=indicator.id, period=native,
                                 degree=degree), regions)  # fmt: skip
    before_period = previous_period(indicator, native)
    before = _roll_up(
        county_counts(session=session, indicator_id=indicator.id, period=before_period,
                      degree=degree), regions)  # fmt: skip
    out = []
    for region in sorted(regions, key=lambda r: r.adcode):
        if region.level != level:
            continue
        num, den = now[region.adcode]
        value = num / den if den else None
        prev_num, prev_den = before[region.adcode]
        previous = prev_num / prev_den if prev_den else None
        gap, met = _judge(indicator, value)
        change = value - previous if value is not None and previous is not None else None
        out.append(Value(region.adcode, region.name, region.level, native, num, den, value,
                         indicator.target, gap, met, previous, change))  # fmt: skip
    return out


def list_indicators() -> list[Indicator]:
    return list(INDICATORS.values())
