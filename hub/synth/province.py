"""The shape of the synthetic province: school types, counties, and how many schools each gets.

Counts at scale 1.0 follow Jiangsu's real order of magnitude (about 12 million pupils in the
student registry, 800 thousand staff, 15 thousand schools); a county's share is its area times its
city's population density, with urban districts denser, so the south and the city centres fill up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from schemas.regions_data import RegionRow, province_regions

PROVINCE = "32"
BASE_PERIOD = "202609"

# Grades as the registry writes them (年级), index 1..12.
GRADE_NAMES = (
    "",
    "一年级",
    "二年级",
    "三年级",
    "四年级",
    "五年级",
    "六年级",
    "初一",
    "初二",
    "初三",
    "高一",
    "高二",
    "高三",
)


@dataclass(frozen=True)
class SchoolType:
    """A 办学类型码 with what a school of that type looks like."""

    code: str  # 办学类型码
    category: str  # first two digits of the 学校标识码
    label: str  # name suffix, e.g. 小学
    sheet: str  # statistics sheet name
    grades: tuple[int, ...]  # registry grades taught (empty: not in the registry)
    schools: int  # schools at scale 1.0
    classes_per_grade: float  # mean
    pupils_per_teacher: float
    staff_if_no_pupils: int = 0


SCHOOL_TYPES: tuple[SchoolType, ...] = (
    SchoolType("111", "11", "幼儿园", "", (), 7300, 0, 0, staff_if_no_pupils=0),
    SchoolType("211", "21", "小学", "教基1001_小学", (1, 2, 3, 4, 5, 6), 4100, 6.0, 15.0),
    SchoolType("218", "21", "小学教学点", "教基1001_小学教学点", (1, 2, 3), 400, 1.0, 10.0),
    SchoolType("311", "31", "初级中学", "教基1001_初级中学", (7, 8, 9), 1900, 10.0, 11.0),
    SchoolType(
        "312",
        "31",
        "九年一贯制学校",
        "教基1001_九年一贯制学校",
        tuple(range(1, 10)),
        300,
        3.6,
        12.5,
    ),
    SchoolType("341", "34", "完全中学", "教基1001_完全中学", tuple(range(7, 13)), 150, 7.0, 10.5),
    SchoolType("342", "34", "高级中学", "教基1001_高级中学", (10, 11, 12), 450, 13.0, 10.0),
    SchoolType("365", "36", "职业高中", "教基1001_职业高中学校", (10, 11, 12), 220, 13.0, 13.0),
    SchoolType(
        "511", "51", "特殊教育学校", "教基1001_特殊教育学校", tuple(range(1, 10)), 100, 1.2, 3.5
    ),
)
TYPES_BY_CODE = {t.code: t for t in SCHOOL_TYPES}
UNIVERSITIES_AT_SCALE_1 = 167

# People per km² by city (order of magnitude of the real figures): the south is denser.
CITY_DENSITY = {
    "320100": 1420, "320200": 1600, "320300": 790, "320400": 1210, "320500": 1500,
    "320600": 730, "320700": 610, "320800": 450, "320900": 400, "321000": 690,
    "321100": 830, "321200": 800, "321300": 590,
}  # fmt: skip
SOUTH = frozenset({"320100", "320200", "320400", "320500", "321100"})
NORTH = frozenset({"320300", "320700", "320800", "320900", "321300"})

# Configured shares of oversized classes (大班额 56-65, 超大班额 66+) per region: each county draws
# its own share inside its region's band, so counties differ and the north has more.
CLASS_SIZE_BANDS: dict[str, dict[str, tuple[float, float]]] = {
    "south": {"b56_65": (0.005, 0.03), "ge66": (0.0, 0.004)},
    "middle": {"b56_65": (0.02, 0.06), "ge66": (0.0, 0.01)},
    "north": {"b56_65": (0.05, 0.12), "ge66": (0.005, 0.025)},
}


def region_of(city: str) -> str:
    if city in SOUTH:
        return "south"
    if city in NORTH:
        return "north"
    return "middle"


@dataclass
class County:
    """One county-level unit with what the generator planned for it."""

    index: int
    adcode: str
    name: str
    city: str
    city_name: str
    weight: float
    urban: bool
    big_share: float = 0.0  # share of classes with 56-65 pupils
    huge_share: float = 0.0  # share of classes with 66+ pupils
    schools: dict[str, int] = field(default_factory=dict)  # type code -> count
    universities: int = 0

    @property
    def region(self) -> str:
        return region_of(self.city)


@dataclass
class Plan:
    seed: int
    scale: float
    counties: list[County]

    def county(self, adcode: str) -> County:
        return next(c for c in self.counties if c.adcode == adcode)

    @property
    def cities(self) -> list[tuple[str, str]]:
        return sorted({(c.city, c.city_name) for c in self.counties})


@lru_cache
def _regions() -> tuple[RegionRow, ...]:
    return province_regions(PROVINCE)


def _is_urban_district(row: RegionRow) -> bool:
    return row.name.endswith("区")


def plan_province(seed: int, scale: float) -> Plan:
    """Decide every county's schools per type (largest remainder, at least one of each type)."""
    from hub.synth.places import county_area_km2

    regions = _regions()
    cities = {r.adcode: r.name for r in regions if r.level == "city"}
    counties: list[County] = []
    for i, row in enumerate(r for r in regions if r.level == "county"):
        city = row.adcode[:4] + "00"
        urban = _is_urban_district(row)
        area = county_area_km2(row.adcode)
        core = urban and area < 300  # city-centre districts are several times denser
        density = CITY_DENSITY.get(city, 700) * (8.0 if core else 1.5 if urban else 1.0)
        weight = area * density
        counties.append(County(i, row.adcode, row.name, city, cities.get(city, ""), weight, urban))
    rng = np.random.default_rng([seed, 0])
    for c in counties:
        bands = CLASS_SIZE_BANDS[c.region]
        c.big_share = float(rng.uniform(*bands["b56_65"]))
        c.huge_share = float(rng.uniform(*bands["ge66"]))
    weights = np.array([c.weight for c in counties])
    for stype in SCHOOL_TYPES:
        counts = allocate(round(stype.schools * scale), weights, rng, minimum_total=1)
        for c, n in zip(counties, counts, strict=True):
            if n:
                c.schools[stype.code] = int(n)
    # Universities crowd into Nanjing and the southern cities.
    uni_weights = np.array(
        [
            c.weight * (6.0 if c.city == "320100" else 2.0 if c.city in SOUTH else 1.0)
            for c in counties
        ]
    )
    for c, n in zip(
        counties,
        allocate(round(UNIVERSITIES_AT_SCALE_1 * scale), uni_weights, rng, minimum_total=2),
        strict=True,
    ):
        c.universities = int(n)
    return Plan(seed, scale, counties)


def allocate(
    total: int, weights: np.ndarray, rng: np.random.Generator, minimum_total: int = 0
) -> np.ndarray:
    """Split ``total`` over ``weights`` by largest remainder (ties broken by the seeded RNG)."""
    total = max(total, minimum_total)
    share = weights / weights.sum() * total
    base = np.floor(share).astype(np.int64)
    left = total - int(base.sum())
    if left > 0:
        remainder = share - base + rng.uniform(0, 1e-9, size=len(share))
        base[np.argsort(-remainder, kind="stable")[:left]] += 1
    return base
