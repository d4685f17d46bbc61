"""Factories: a small random province of schools, pupils, teachers, surveys, aid and outcomes.

``make_province`` writes the records through the ORM and returns them as plain dicts, so tests can
compute expected values in plain Python over the same data without going through the hub.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import geopandas as gpd
import shapely
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
from schemas.schools import BANDS

COUNTIES = ("320102", "320104", "320211", "320583")
SCHOOL_TYPES = ("211", "211", "311", "342", "111")  # primary x2, junior, senior, kindergarten
GRADE_OF = {"211": "03", "311": "08", "342": "11", "111": "K2", "411": "11"}
QUARTERS = ("2026Q2", "2026Q3")
YEARS = (2025, 2026)
SCHOOL_YEARS = ("2025-2026", "2026-2027")


@dataclass
class Province:
    schools: list[dict[str, Any]] = field(default_factory=list)
    ict: list[dict[str, Any]] = field(default_factory=list)
    stats: list[dict[str, Any]] = field(default_factory=list)
    students: list[dict[str, Any]] = field(default_factory=list)
    teachers: list[dict[str, Any]] = field(default_factory=list)
    poor: list[dict[str, Any]] = field(default_factory=list)
    aid: list[dict[str, Any]] = field(default_factory=list)
    health: list[dict[str, Any]] = field(default_factory=list)
    graduates: list[dict[str, Any]] = field(default_factory=list)

    def county_of(self, school_code: str) -> str:
        return next(s["county_adcode"] for s in self.schools if s["code"] == school_code)


def _tracked(key: str) -> dict[str, Any]:
    return {"source_system": "factory", "source_key": key}


def _point_in(polygon: Any, rng: random.Random) -> tuple[float, float]:
    minx, miny, maxx, maxy = polygon.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(shapely.Point(x, y)):
            return x, y


def make_province(
    session: Session,
    *,
    seed: int = 7,
    counties: tuple[str, ...] = COUNTIES,
    boundaries: gpd.GeoDataFrame | None = None,
    pupils_per_school: int = 12,
) -> Province:
    """Write a random small province; ``boundaries`` (counties) places schools and homes inside."""
    rng = random.Random(seed)
    p = Province()
    shapes = (
        dict(zip(boundaries["adcode"], boundaries.geometry, strict=True))
        if boundaries is not None
        else {}
    )
    n = 0
    for c_index, county in enumerate(counties):
        types = list(SCHOOL_TYPES) + (["411"] if c_index % 2 == 0 else [])
        for s_index, stype in enumerate(types):
            code = f"31{county[2:]}{c_index}{s_index}"[:10].ljust(10, "0")
            lon, lat = _point_in(shapes[county], rng) if county in shapes else (118.8, 32.0)
            p.schools.append(
                {"code": code, "name": f"{county}第{s_index + 1}学校", "school_type": stype,
                 "county_adcode": county, "lon": lon, "lat": lat, **_tracked(code)}
            )  # fmt: skip
    for school in p.schools:
        code, stype = school["code"], school["school_type"]
        for quarter in QUARTERS:
            total = rng.randint(10, 40)
            p.ict.append(
                {"school_code": code, "quarter": quarter,
                 "bandwidth_mbps": rng.choice([100, 500, 1000, 2000]),
                 "wireless_coverage": rng.choice("123"), "classrooms_total": total,
                 "classrooms_multimedia": rng.randint(0, total),
                 "teacher_spaces_opened": rng.randint(0, 6),
                 "student_spaces_opened": rng.randint(0, pupils_per_school),
                 **_tracked(f"{code}/{quarter}")}
            )  # fmt: skip
        for year in YEARS:
            bands = {b: rng.choice([0, 0, 1, 2, 3]) for b in BANDS}
            classes = sum(bands.values())
            p.stats.append(
                {"school_code": code, "year": year, "grade": GRADE_OF[stype], "classes": classes,
                 "students": rng.randint(100, 900), "full_time_teachers":
                 rng.choice([None, rng.randint(5, 60)]), **bands,
                 **_tracked(f"{code}/{year}")}
            )  # fmt: skip
        for t in range(rng.randint(2, 7)):
            p.teachers.append(
                {"teacher_no": f"T{code}{t}", "name": f"教师{t}", "gender": "1",
                 "school_code": code, "post_category": rng.choice("1112"),
                 "is_deleted": rng.random() < 0.1, **_tracked(f"T{code}{t}")}
            )  # fmt: skip
        if stype == "411":
            for g in range(rng.randint(5, 15)):
                p.graduates.append(
                    {"university_code": code, "student_no": f"G{g}", "name": f"毕业生{g}",
                     "gender": "2", "degree_level": rng.choice("1234"),
                     "graduation_year": rng.choice([2025, 2026]),
                     "destination": rng.choice("123456"), **_tracked(f"{code}/G{g}")}
                )  # fmt: skip
            continue
        for k in range(pupils_per_school):
            n += 1
            county = school["county_adcode"]
            home = _point_in(shapes[county], rng) if county in shapes else (118.8, 32.0)
            p.students.append(
                {"xjh": f"G{n:018d}", "name": f"学生{n}", "gender": "1",
                 "birth_date": date(2015, 1, 1), "id_hash": f"h{n:063d}",
                 "id_masked": f"3201**********{n % 10000:04d}", "school_code": code,
                 "grade": GRADE_OF[stype], "class_no": str(k % 3 + 1),
                 "home_lon": home[0], "home_lat": home[1], "status": rng.choice("1112"),
                 "is_deleted": rng.random() < 0.05, **_tracked(f"S{n}")}
            )  # fmt: skip
    for st in p.students:
        if rng.random() < 0.3:
            county = p.county_of(st["school_code"])
            p.poor.append(
                {"household_id": f"H{st['xjh']}", "child_id_hash": st["id_hash"],
                 "child_id_masked": st["id_masked"], "county_adcode": county,
                 "is_deleted": rng.random() < 0.05, **_tracked(f"H{st['xjh']}")}
            )  # fmt: skip
        for school_year in SCHOOL_YEARS:
            if rng.random() < 0.5:
                pid = f"P{st['xjh']}{school_year}"
                p.aid.append(
                    {"payment_id": pid, "xjh": st["xjh"], "programme": "1",
                     "amount": Decimal("500.00"), "school_year": school_year, "term": "1",
                     "is_deleted": rng.random() < 0.1, **_tracked(pid)}
                )  # fmt: skip
        for t_index in range(rng.randint(0, 2)):
            p.health.append(
                {"xjh": st["xjh"], "school_code": st["school_code"], "school_year": "2026-2027",
                 "test_date": date(2026, 10 + t_index, rng.randint(1, 28)),
                 "grade_level": rng.choice("12344"), "is_deleted": rng.random() < 0.05,
                 **_tracked(f"{st['xjh']}/{t_index}")}
            )  # fmt: skip
    p.poor.append(  # a registered child not among the pupils: must not count anywhere
        {"household_id": "Hnobody", "child_id_hash": "x" * 64, "child_id_masked": "3201**",
         "county_adcode": counties[0], **_tracked("Hnobody")}
    )  # fmt: skip
    for model, rows in (
        (School, p.schools), (IctSurvey, p.ict), (ClassSizeStat, p.stats), (Teacher, p.teachers),
        (Student, p.students), (PoorHousehold, p.poor), (AidPayment, p.aid),
        (HealthTest, p.health), (GraduateDestination, p.graduates),
    ):  # fmt: skip
        session.add_all([model.model_validate(r) for r in rows])
        session.flush()
    session.commit()
    return p
