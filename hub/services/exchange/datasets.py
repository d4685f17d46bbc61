"""Dataset registry: each catalog resource mapped to the SQL it is served from.

The catalog says *what* a resource is (fields, personal fields, sharing type, openness); this
adapter says *where* its rows live: the unified table or an aggregate view built here, the key
used for keyset pagination and sync, and how a row's region is found for row scope. The catalog
carries ``row_scope`` only as prose, so the SQL rule per backing entity is declared below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Numeric,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    null,
    select,
)

from catalog.loader import load_catalog
from catalog.model import Entry, SharingType
from hub.errors import ConfigError, NotFound
from hub.settings import Settings
from schemas import scoping
from schemas.aid import AidPayment, PoorHousehold
from schemas.outcomes import GraduateDestination, HealthTest
from schemas.people import Student, Teacher
from schemas.reference import Region
from schemas.schools import ClassSizeStat, IctSurvey, School, SchoolClass

SMALL_CELL = 5

ScopeRule = Callable[[FromClause, Sequence[str]], ColumnElement[bool]]

_schools = School.__table__  # type: ignore[attr-defined]
_students = Student.__table__  # type: ignore[attr-defined]


def _by_column(name: str) -> ScopeRule:
    return lambda src, adcodes: src.c[name].in_(list(adcodes))


def _located(table: Any) -> tuple[Any, ScopeRule]:
    """A table located as ``schemas.scoping.LOCATORS`` declares (the chain the write paths
    follow when they record rows leaving a region)."""
    name = table.name
    return table, lambda src, adcodes: scoping.in_regions(src, name, adcodes)


# Backing entity -> (table, rule giving the rows of a set of regions) for 有条件 resources:
# schools and poor households by county, graduate destinations by employer_adcode, classes,
# pupils, staff and tests by their school's county, aid payments through the pupil's school.
ENTITIES: dict[str, tuple[Any, ScopeRule]] = {
    "schools": _located(_schools),
    "classes": _located(SchoolClass.__table__),  # type: ignore[attr-defined]
    "class_size_stats": _located(ClassSizeStat.__table__),  # type: ignore[attr-defined]
    "ict_surveys": _located(IctSurvey.__table__),  # type: ignore[attr-defined]
    "students": _located(_students),
    "teachers": _located(Teacher.__table__),  # type: ignore[attr-defined]
    "health_tests": _located(HealthTest.__table__),  # type: ignore[attr-defined]
    "aid_payments": _located(AidPayment.__table__),  # type: ignore[attr-defined]
    "poor_households": _located(PoorHousehold.__table__),  # type: ignore[attr-defined]
    "graduate_destinations": _located(GraduateDestination.__table__),  # type: ignore[attr-defined]
    "regions": (Region.__table__, _by_column("adcode")),  # type: ignore[attr-defined]
}


def _suppress(value: ColumnElement[Any], count: ColumnElement[Any]) -> ColumnElement[Any]:
    """Small-cell suppression: NULL when the cell's count is 1-4."""
    return case((and_(count > 0, count < SMALL_CELL), None), else_=value)


def _percent(part: ColumnElement[Any], whole: ColumnElement[Any]) -> ColumnElement[Any]:
    """100 * part / whole to one decimal; NULL for an empty whole (numeric round: PG and SQLite)."""
    ratio = cast(part, Numeric(18, 6)) * 100 / func.nullif(cast(whole, Numeric(18, 6)), 0)
    return cast(func.round(ratio, 1), Float)


def _open_school_directory() -> FromClause:
    s = _schools
    return (
        select(
            s.c.code,
            s.c.name,
            s.c.school_type,
            s.c.urban_rural,
            s.c.county_adcode,
            s.c.address,
            s.c.lon,
            s.c.lat,
        )
        .where(s.c.closed_on.is_(None), s.c.is_deleted == false())
        .subquery("open_school_directory")
    )


def _open_class_size_by_county() -> FromClause:
    c = ClassSizeStat.__table__  # type: ignore[attr-defined]
    s = _schools
    classes = func.sum(c.c.classes)
    students = func.sum(c.c.students)
    large = func.sum(c.c.b56_60 + c.c.b61_65 + c.c.ge66)
    ge66 = func.sum(c.c.ge66)
    share = _percent(large, classes)
    tiny = and_(students > 0, students < SMALL_CELL)
    large_shown = case((tiny, None), else_=_suppress(large, large))
    return (
        select(
            s.c.county_adcode,
            c.c.year,
            c.c.grade,
            case((tiny, None), else_=_suppress(classes, classes)).label("classes"),
            case((tiny, None), else_=students).label("students"),
            large_shown.label("large_classes"),
            case((tiny, None), else_=_suppress(ge66, ge66)).label("ge66"),
            case((and_(large > 0, large < SMALL_CELL), None), (tiny, None), else_=share).label(
                "large_class_share"
            ),
        )
        .join_from(c, s, c.c.school_code == s.c.code)
        .where(c.c.is_deleted == false(), s.c.is_deleted == false())
        .group_by(s.c.county_adcode, c.c.year, c.c.grade)
        .subquery("open_class_size_by_county")
    )


def _open_ict_by_county() -> FromClause:
    i = IctSurvey.__table__  # type: ignore[attr-defined]
    s = _schools
    part = (s.c.county_adcode, i.c.quarter)
    ranked = (
        select(
            s.c.county_adcode,
            i.c.quarter,
            i.c.bandwidth_mbps,
            func.row_number().over(partition_by=part, order_by=i.c.bandwidth_mbps).label("rn"),
            func.count().over(partition_by=part).label("n"),
        )
        .join_from(i, s, i.c.school_code == s.c.code)
        .where(i.c.is_deleted == false(), s.c.is_deleted == false())
        .subquery("ranked")
    )
    middle = ranked.c.rn.in_([(ranked.c.n + 1) / 2, (ranked.c.n + 2) / 2])
    median = (
        select(
            ranked.c.county_adcode,
            ranked.c.quarter,
            func.avg(cast(ranked.c.bandwidth_mbps, Float)).label("median"),
        )
        .where(middle)
        .group_by(ranked.c.county_adcode, ranked.c.quarter)
        .subquery("median")
    )
    schools = func.count()
    tiny = schools < SMALL_CELL
    full = func.sum(case((i.c.wireless_coverage == "1", 1), else_=0))
    total = func.sum(i.c.classrooms_total)
    mm = func.sum(i.c.classrooms_multimedia)
    return (
        select(
            s.c.county_adcode,
            i.c.quarter,
            case((tiny, None), else_=schools).label("schools"),
            case((tiny, None), else_=func.max(median.c.median)).label("bandwidth_median_mbps"),
            case((tiny, None), else_=_percent(full, schools)).label("wireless_full_share"),
            case(
                (tiny, None),
                else_=_percent(mm, total),
            ).label("multimedia_share"),
            case((tiny, None), else_=func.sum(i.c.teacher_spaces_opened)).label(
                "teacher_spaces_opened"
            ),
            case((tiny, None), else_=func.sum(i.c.student_spaces_opened)).label(
                "student_spaces_opened"
            ),
        )
        .join_from(i, s, i.c.school_code == s.c.code)
        .join(
            median,
            and_(median.c.county_adcode == s.c.county_adcode, median.c.quarter == i.c.quarter),
        )
        .where(i.c.is_deleted == false(), s.c.is_deleted == false())
        .group_by(s.c.county_adcode, i.c.quarter)
        .subquery("open_ict_by_county")
    )


# Views named by catalog entries -> (builder, key columns).
VIEWS: dict[str, tuple[Callable[[], FromClause], tuple[str, ...]]] = {
    "open_school_directory": (_open_school_directory, ("code",)),
    "open_class_size_by_county": (_open_class_size_by_county, ("county_adcode", "year", "grade")),
    "open_ict_by_county": (_open_ict_by_county, ("county_adcode", "quarter")),
}

# How a personal field is shown without a grant: keep this many leading characters; fields
# not listed are withheld (NULL). ``*_masked`` columns are stored masked and pass through.
MASK_PREFIX = {"name": 1, "head_name": 1, "xjh": 4, "student_no": 2, "teacher_no": 2, "address": 6}
MASK_FILL = "***"


@dataclass(frozen=True)
class Dataset:
    code: str
    id: str
    name: str
    sharing: SharingType
    open: bool
    provider: str
    fields: tuple[str, ...]
    personal: frozenset[str]
    source: FromClause = field(compare=False)
    key: tuple[str, ...]
    versioned: bool
    scope: ScopeRule | None = field(default=None, compare=False)
    sortable: frozenset[str] = frozenset()

    @property
    def has_points(self) -> bool:
        return "lon" in self.fields and "lat" in self.fields

    def column(self, name: str) -> Any:
        return self.source.c[name]


def provider_org(entry: Entry) -> str:
    """Organisation that provides a resource: the adcode at the head of its provider code."""
    return entry.provider.code.split("-", 1)[0][:6]


def _indexed(table: Any) -> frozenset[str]:
    names = {c.name for c in table.columns if c.primary_key or c.index or c.unique}
    for index in table.indexes:
        names.update(c.name for c in list(index.columns)[:1])
    for constraint in table.constraints:
        cols = list(getattr(constraint, "columns", []))
        if cols and constraint.__class__.__name__ == "UniqueConstraint":
            names.add(cols[0].name)
    return frozenset(names)


def build(entry: Entry) -> Dataset:
    fields = tuple(item.field for item in entry.items)
    common: dict[str, Any] = {
        "code": entry.code,
        "id": entry.id,
        "name": entry.name,
        "sharing": entry.sharing.type,
        "open": entry.openness.open,
        "provider": provider_org(entry),
        "fields": fields,
        "personal": frozenset(entry.personal_fields),
    }
    if entry.entity:
        if entry.entity not in ENTITIES:
            raise ConfigError(f"catalog entity {entry.entity!r} has no exchange mapping")
        table, rule = ENTITIES[entry.entity]
        key = tuple(c.name for c in table.primary_key.columns)
        return Dataset(
            **common,
            source=table,
            key=key,
            versioned="change_version" in table.c,
            scope=rule if entry.sharing.type == SharingType.CONDITIONAL else None,
            sortable=_indexed(table) & set(fields) | set(key),
        )
    if entry.view in VIEWS:
        builder, key = VIEWS[entry.view]
        return Dataset(
            **common, source=builder(), key=key, versioned=False, sortable=frozenset(key)
        )
    raise ConfigError(f"catalog view {entry.view!r} has no exchange mapping")


@lru_cache(maxsize=8)
def _registry(root: Path | None) -> dict[str, Dataset]:
    loaded = load_catalog(root)
    out: dict[str, Dataset] = {}
    for entry in loaded.entries:
        ds = build(entry)
        out[ds.code] = ds
        out[ds.id] = ds
    return out


def registry(settings: Settings) -> dict[str, Dataset]:
    return _registry(settings.catalog_dir)


def datasets(settings: Settings) -> list[Dataset]:
    seen: dict[str, Dataset] = {}
    for ds in registry(settings).values():
        seen[ds.code] = ds
    return sorted(seen.values(), key=lambda d: d.code)


def get_dataset(settings: Settings, key: str) -> Dataset:
    ds = registry(settings).get(key)
    if ds is None:
        raise NotFound(f"no dataset {key!r} in the catalog")
    return ds


def mask_expression(ds: Dataset, name: str) -> ColumnElement[Any]:
    """The SQL a personal field is read through when the caller may not see it in clear."""
    column = ds.column(name)
    if name.endswith("_masked"):
        return column.label(name)
    if name in MASK_PREFIX:
        return (func.substr(column, 1, MASK_PREFIX[name]) + literal(MASK_FILL)).label(name)
    return cast(null(), column.type).label(name)
