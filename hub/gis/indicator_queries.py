"""Per-county numerators and denominators of every indicator, one SQL query each (both backends).

Counties are the unit everything rolls up from: a school belongs to one county
(``schools.county_adcode``), so each query groups by it and returns ``{county: (num, den)}``;
``hub.services.indicators`` adds cities and the province by summing. Deleted rows
(``is_deleted``) never count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, case, func, literal, or_, select
from sqlmodel import Session

from schemas import (
    AidPayment,
    ClassSizeStat,
    GraduateDestination,
    HealthTest,
    IctSurvey,
    PoorHousehold,
    School,
    Student,
    Teacher,
)

Counts = dict[str, tuple[float, float]]
K12_TYPES = ("21", "31", "34")  # 小学, 普通初中, 普通高中 (and their sub-codes)
UNIVERSITY_TYPES = ("41",)  # 普通高等学校
PASS_GRADES = ("1", "2", "3")  # 优秀, 良好, 及格
EMPLOYED = ("1", "4", "5")  # 签约就业, 灵活就业, 自主创业
FURTHER_STUDY = ("2", "3")  # 升学, 出国
NOT_PLACED = ("6",)  # 待就业


def _t(model: Any) -> Table:
    return cast(Table, model.__table__)


SCHOOLS, ICT, STATS = _t(School), _t(IctSurvey), _t(ClassSizeStat)
STUDENTS, TEACHERS, AID, POOR = _t(Student), _t(Teacher), _t(AidPayment), _t(PoorHousehold)
HEALTH, GRADS = _t(HealthTest), _t(GraduateDestination)


def of_types(prefixes: tuple[str, ...]) -> ColumnElement[bool]:
    return or_(*(SCHOOLS.c.school_type.like(f"{p}%") for p in prefixes))


def _live(table: Table) -> ColumnElement[bool]:
    return table.c.is_deleted == literal(False)


def _run(session: Session, query: Select[Any]) -> Counts:
    return {
        str(county): (float(num or 0), float(den or 0))
        for county, num, den in session.execute(query).all()
    }


def _flag(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _ict(types: tuple[str, ...], num: Any, den: Any, quarter: str) -> Select[Any]:
    return (
        select(SCHOOLS.c.county_adcode, num, den)
        .select_from(ICT.join(SCHOOLS, ICT.c.school_code == SCHOOLS.c.code))
        .where(ICT.c.quarter == quarter, _live(ICT), _live(SCHOOLS), of_types(types))
        .group_by(SCHOOLS.c.county_adcode)
    )


def k12_gigabit(session: Session, period: str, **_: Any) -> Counts:
    return _run(session, _ict(K12_TYPES, _flag(ICT.c.bandwidth_mbps >= 1000), func.count(), period))


def k12_wireless(session: Session, period: str, **_: Any) -> Counts:
    return _run(
        session, _ict(K12_TYPES, _flag(ICT.c.wireless_coverage == "1"), func.count(), period)
    )


def university_wireless(session: Session, period: str, **_: Any) -> Counts:
    num = _flag(ICT.c.wireless_coverage == "1")
    return _run(session, _ict(UNIVERSITY_TYPES, num, func.count(), period))


def multimedia_classrooms(session: Session, period: str, **_: Any) -> Counts:
    num, den = func.sum(ICT.c.classrooms_multimedia), func.sum(ICT.c.classrooms_total)
    return _run(session, _ict(K12_TYPES, num, den, period))


def _people_in_surveyed(session: Session, people: Table, quarter: str) -> dict[str, float]:
    surveyed = (
        select(ICT.c.school_code).where(ICT.c.quarter == quarter, _live(ICT)).scalar_subquery()
    )
    extra = [people.c.status == "1"] if "status" in people.c else []
    query = (
        select(SCHOOLS.c.county_adcode, func.count())
        .select_from(people.join(SCHOOLS, people.c.school_code == SCHOOLS.c.code))
        .where(people.c.school_code.in_(surveyed), _live(people), of_types(K12_TYPES), *extra)
        .group_by(SCHOOLS.c.county_adcode)
    )
    return {str(c): float(n) for c, n in session.execute(query).all()}


def _spaces(session: Session, column: str, people: Table, quarter: str) -> Counts:
    opened = _run(session, _ict(K12_TYPES, func.sum(ICT.c[column]), literal(0), quarter))
    heads = _people_in_surveyed(session, people, quarter)
    return {c: (opened.get(c, (0.0, 0.0))[0], heads.get(c, 0.0)) for c in opened.keys() | heads}


def teacher_spaces(session: Session, period: str, **_: Any) -> Counts:
    return _spaces(session, "teacher_spaces_opened", TEACHERS, period)


def student_spaces(session: Session, period: str, **_: Any) -> Counts:
    return _spaces(session, "student_spaces_opened", STUDENTS, period)


def _classes(num: Any, den: Any, year: int, *extra: ColumnElement[bool]) -> Select[Any]:
    return (
        select(SCHOOLS.c.county_adcode, func.sum(num), func.sum(den))
        .select_from(STATS.join(SCHOOLS, STATS.c.school_code == SCHOOLS.c.code))
        .where(STATS.c.year == year, _live(STATS), _live(SCHOOLS), of_types(K12_TYPES), *extra)
        .group_by(SCHOOLS.c.county_adcode)
    )


def classes_56_65(session: Session, period: str, **_: Any) -> Counts:
    q = _classes(STATS.c.b56_60 + STATS.c.b61_65, STATS.c.classes, int(period))
    return _run(session, q)


def classes_66_plus(session: Session, period: str, **_: Any) -> Counts:
    return _run(session, _classes(STATS.c.ge66, STATS.c.classes, int(period)))


def classes_56_plus(session: Session, period: str, **_: Any) -> Counts:
    num = STATS.c.b56_60 + STATS.c.b61_65 + STATS.c.ge66
    return _run(session, _classes(num, STATS.c.classes, int(period)))


def pupil_teacher_ratio(session: Session, period: str, **_: Any) -> Counts:
    q = _classes(
        STATS.c.students,
        STATS.c.full_time_teachers,
        int(period),
        STATS.c.full_time_teachers.is_not(None),
    )
    return _run(session, q)


def poor_children() -> Select[Any]:
    """Pupils whose ID hash is a registered poor household's child (one row per pupil)."""
    hashes = select(POOR.c.child_id_hash).where(_live(POOR)).scalar_subquery()
    return (
        select(
            STUDENTS.c.id.label("student_id"),
            STUDENTS.c.xjh,
            STUDENTS.c.name,
            STUDENTS.c.id_masked,
            STUDENTS.c.school_code,
            STUDENTS.c.grade,
            SCHOOLS.c.name.label("school_name"),
            SCHOOLS.c.county_adcode,
        )
        .select_from(STUDENTS.join(SCHOOLS, STUDENTS.c.school_code == SCHOOLS.c.code))
        .where(STUDENTS.c.id_hash.in_(hashes), _live(STUDENTS))
    )


def aided_in(school_year: str) -> ColumnElement[bool]:
    """True for a pupil row with at least one live aid payment in ``school_year``."""
    paid = select(AID.c.xjh).where(AID.c.school_year == school_year, _live(AID))
    return STUDENTS.c.xjh.in_(paid.scalar_subquery())


def aid_coverage(session: Session, period: str, **_: Any) -> Counts:
    flagged = poor_children().add_columns(case((aided_in(period), 1), else_=0).label("aided"))
    sub = flagged.subquery()
    query = select(sub.c.county_adcode, func.sum(sub.c.aided), func.count()).group_by(
        sub.c.county_adcode
    )
    return _run(session, query)


def health_pass_rate(session: Session, period: str, **_: Any) -> Counts:
    latest = (
        select(HEALTH.c.xjh, func.max(HEALTH.c.test_date).label("last"))
        .where(HEALTH.c.school_year == period, _live(HEALTH))
        .group_by(HEALTH.c.xjh)
        .subquery()
    )
    on_latest = and_(HEALTH.c.xjh == latest.c.xjh, HEALTH.c.test_date == latest.c.last)
    query = (
        select(
            SCHOOLS.c.county_adcode,
            _flag(HEALTH.c.grade_level.in_(PASS_GRADES)),
            func.count(),
        )
        .select_from(
            HEALTH.join(latest, on_latest).join(SCHOOLS, HEALTH.c.school_code == SCHOOLS.c.code)
        )
        .where(HEALTH.c.school_year == period, _live(HEALTH))
        .group_by(SCHOOLS.c.county_adcode)
    )
    return _run(session, query)


def _graduates(
    session: Session, codes: tuple[str, ...], year: str, degree: str | None, negate: bool = False
) -> Counts:
    hit = GRADS.c.destination.in_(codes)
    extra = [GRADS.c.degree_level == degree] if degree else []
    query = (
        select(SCHOOLS.c.county_adcode, _flag(~hit if negate else hit), func.count())
        .select_from(GRADS.join(SCHOOLS, GRADS.c.university_code == SCHOOLS.c.code))
        .where(GRADS.c.graduation_year == int(year), _live(GRADS), *extra)
        .group_by(SCHOOLS.c.county_adcode)
    )
    return _run(session, query)


def graduate_placement(session: Session, period: str, degree: str | None = None) -> Counts:
    return _graduates(session, NOT_PLACED, period, degree, negate=True)


def graduate_employed(session: Session, period: str, degree: str | None = None) -> Counts:
    return _graduates(session, EMPLOYED, period, degree)


def graduate_further_study(session: Session, period: str, degree: str | None = None) -> Counts:
    return _graduates(session, FURTHER_STUDY, period, degree)


QUERIES: dict[str, Callable[..., Counts]] = {
    f.__name__: f
    for f in (
        k12_gigabit,
        k12_wireless,
        university_wireless,
        multimedia_classrooms,
        teacher_spaces,
        student_spaces,
        classes_56_65,
        classes_66_plus,
        classes_56_plus,
        pupil_teacher_ratio,
        aid_coverage,
        health_pass_rate,
        graduate_placement,
        graduate_employed,
        graduate_further_study,
    )
}

PERIOD_SOURCES: dict[str, tuple[Table, str]] = {
    "quarter": (ICT, "quarter"),
    "year": (STATS, "year"),
    "school_year": (AID, "school_year"),
    "health_year": (HEALTH, "school_year"),
    "graduation_year": (GRADS, "graduation_year"),
}


def periods_present(session: Session, kind: str) -> list[str]:
    """The distinct periods of ``kind`` that have data, oldest first."""
    table, column = PERIOD_SOURCES[kind]
    rows = session.execute(select(table.c[column]).where(_live(table)).distinct()).all()
    return sorted(str(r[0]) for r in rows)


def oversized_ledger(session: Session, year: int) -> list[dict[str, Any]]:
    """大班额台账: K-12 schools with classes of 56+ in ``year``, with the year before beside it."""
    rows: dict[str, dict[str, Any]] = {}
    for y, key in ((year, "now"), (year - 1, "before")):
        query = (
            select(
                SCHOOLS.c.code, SCHOOLS.c.name, SCHOOLS.c.county_adcode,
                func.sum(STATS.c.b56_60 + STATS.c.b61_65), func.sum(STATS.c.ge66),
                func.sum(STATS.c.classes),
            )
            .select_from(STATS.join(SCHOOLS, STATS.c.school_code == SCHOOLS.c.code))
            .where(STATS.c.year == y, _live(STATS), _live(SCHOOLS), of_types(K12_TYPES))
            .group_by(SCHOOLS.c.code, SCHOOLS.c.name, SCHOOLS.c.county_adcode)
        )  # fmt: skip
        for code, name, county, big, huge, classes in session.execute(query).all():
            row = rows.setdefault(code, {"code": code, "name": name, "county": county})
            row[f"b56_65_{key}"] = int(big or 0)
            row[f"ge66_{key}"] = int(huge or 0)
            row[f"classes_{key}"] = int(classes or 0)
    ledger = [
        {
            **r,
            **{k: r.get(k, 0) for k in ("b56_65_before", "ge66_before", "b56_65_now", "ge66_now")},
        }
        for r in rows.values()
        if r.get("b56_65_now", 0) + r.get("ge66_now", 0) > 0
    ]
    return sorted(ledger, key=lambda r: (-r["ge66_now"], -r["b56_65_now"], r["code"]))
