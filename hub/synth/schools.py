"""Schools: codes, names, places, classes and class sizes per grade.

Class sizes follow each county's configured share of oversized classes exactly (rounded to whole
classes), so the statistics workbooks show the regional pattern the plan describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hub.synth.names import ROADS, SCHOOL_PREFIXES
from hub.synth.places import sample_points
from hub.synth.province import PROVINCE, SCHOOL_TYPES, TYPES_BY_CODE, County, Plan

# Types whose classes count for the class-size bands (teaching points and special schools are
# small by design).
BANDED_TYPES = frozenset({"211", "311", "312", "341", "342", "365"})
UNKNOWN_SERIAL_FLOOR = 9000  # serials from here on are never issued: "unknown school" faults


@dataclass
class School:
    index: int
    code: str
    name: str
    type_code: str
    county: str  # adcode
    city: str
    lon: float  # GCJ-02
    lat: float
    address: str
    urban_rural: str
    sponsor: str
    founded: str  # YYYYMM
    classes: dict[int, list[int]] = field(default_factory=dict)  # grade -> class sizes
    teachers: int = 0
    university: bool = False

    @property
    def pupils(self) -> int:
        return sum(sum(sizes) for sizes in self.classes.values())


def school_code(category: str, county: County, serial: int) -> str:
    return f"{category}{PROVINCE}{county.index:02d}{serial:04d}"


def unknown_school_code(category: str, county: County, rng: np.random.Generator) -> str:
    """A well-formed code of this province that no school holds."""
    return school_code(category, county, UNKNOWN_SERIAL_FLOOR + int(rng.integers(0, 1000)))


def _urban_rural(county: County, rng: np.random.Generator) -> str:
    if county.urban:
        return str(rng.choice(["111", "112", "121"], p=[0.7, 0.2, 0.1]))
    return str(rng.choice(["121", "122", "210", "220"], p=[0.35, 0.15, 0.3, 0.2]))


def _normal_size(type_code: str, rng: np.random.Generator, n: int) -> np.ndarray:
    if type_code == "218":
        return rng.integers(8, 31, n)
    if type_code == "511":
        return rng.integers(6, 13, n)
    mean = 42.0 if type_code in {"211", "312"} else 46.0
    return np.clip(np.rint(rng.normal(mean, 5.0, n)), 24, 55).astype(np.int64)


def build_schools(plan: Plan, county: County, first_index: int) -> list[School]:
    """The county's K-12 schools and kindergartens (universities come from ``universities``)."""
    rng = np.random.default_rng([plan.seed, 1, county.index])
    total = sum(county.schools.values())
    if total == 0:
        return []
    points = sample_points(county.adcode, total, rng)
    schools: list[School] = []
    serial_by_category: dict[str, int] = {}
    names_used: set[str] = set()
    for stype in SCHOOL_TYPES:
        for _ in range(county.schools.get(stype.code, 0)):
            serial = serial_by_category.get(stype.category, 0) + 1
            serial_by_category[stype.category] = serial
            lon, lat = points[len(schools)]
            name = _school_name(county, stype.label, rng, names_used)
            road = ROADS[int(rng.integers(len(ROADS)))]
            school = School(
                index=first_index + len(schools),
                code=school_code(stype.category, county, serial),
                name=name,
                type_code=stype.code,
                county=county.adcode,
                city=county.city,
                lon=round(float(lon), 6),
                lat=round(float(lat), 6),
                address=f"{county.city_name}{county.name}{road}{int(rng.integers(1, 400))}号",
                urban_rural=_urban_rural(county, rng),
                sponsor="教育部门" if rng.random() < 0.9 else "民办",
                founded=f"{int(rng.integers(1950, 2021))}{int(rng.integers(1, 13)):02d}",
            )
            if stype.grades:
                scale = float(rng.lognormal(0.0, 0.35))
                for grade in stype.grades:
                    n = max(1, round(stype.classes_per_grade * scale * rng.uniform(0.85, 1.15)))
                    school.classes[grade] = _normal_size(stype.code, rng, n).tolist()
            schools.append(school)
    _oversize(county, schools, rng)
    for school in schools:
        stype = TYPES_BY_CODE[school.type_code]
        if school.pupils:
            school.teachers = max(3, round(school.pupils / stype.pupils_per_teacher))
    return schools


def _school_name(county: County, label: str, rng: np.random.Generator, used: set[str]) -> str:
    base = county.name.removesuffix("区").removesuffix("市").removesuffix("县")
    for attempt in range(200):
        prefix = SCHOOL_PREFIXES[int(rng.integers(len(SCHOOL_PREFIXES)))]
        name = f"{base}{prefix}{label}" if attempt < 20 else f"{base}{prefix}{attempt}{label}"
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("ran out of school names")  # pragma: no cover - 200 tries always suffice


def _oversize(county: County, schools: list[School], rng: np.random.Generator) -> None:
    """Make exactly round(share x classes) of the banded classes 56-65 and 66+ pupils big."""
    slots = [
        (i, grade, k)
        for i, s in enumerate(schools)
        if s.type_code in BANDED_TYPES
        for grade, sizes in sorted(s.classes.items())
        for k in range(len(sizes))
    ]
    if not slots:
        return
    n_huge = round(county.huge_share * len(slots))
    n_big = round(county.big_share * len(slots))
    chosen = rng.permutation(len(slots))[: n_big + n_huge]
    for j, slot in enumerate(chosen):
        i, grade, k = slots[int(slot)]
        size = rng.integers(66, 76) if j < n_huge else rng.integers(56, 66)
        schools[i].classes[grade][k] = int(size)


def build_universities(
    plan: Plan, county: County, first_index: int, first_serial: int
) -> list[School]:
    """Universities: code 41 32 0 + a 5-digit national university code."""
    rng = np.random.default_rng([plan.seed, 2, county.index])
    points = sample_points(county.adcode, county.universities, rng)
    out = []
    for k in range(county.universities):
        old_code = 10280 + first_serial + k
        level = "本科" if rng.random() < 0.45 else "专科"
        label = "大学" if level == "本科" else "职业技术学院"
        prefix = SCHOOL_PREFIXES[int(rng.integers(len(SCHOOL_PREFIXES)))]
        out.append(
            School(
                index=first_index + k,
                code=f"41{PROVINCE}0{old_code:05d}",
                name=f"{county.city_name.removesuffix('市')}{prefix}{label}",
                type_code="412" if level == "本科" else "415",
                county=county.adcode,
                city=county.city,
                lon=round(float(points[k][0]), 6),
                lat=round(float(points[k][1]), 6),
                address=f"{county.city_name}{county.name}{ROADS[k % len(ROADS)]}{k + 1}号",
                urban_rural="111",
                sponsor="教育部门",
                founded=f"{int(rng.integers(1950, 2011))}09",
                university=True,
            )
        )
    return out
