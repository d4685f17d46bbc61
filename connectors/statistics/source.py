"""One sheet per school type (教基1001_小学 ...), one row per school and grade, a two-line
merged header over the class-size bands."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, and_, select

from connectors import fields as f
from connectors.streams import FieldMap, FileRef, Stream
from connectors.transports.file_drop import FileDropConnector
from schemas.schools import BANDS, ClassSizeStat, School

NAME = "statistics"
YEAR = "统计年份"  # taken from the file name
BAND_COLUMNS = (
    "25人及以下",
    "26-30人",
    "31-35人",
    "36-40人",
    "41-45人",
    "46-50人",
    "51-55人",
    "56-60人",
    "61-65人",
    "66人及以上",
)
COLUMNS = ("学校标识码", "年级", "班级数", "学生数", *BAND_COLUMNS, "专任教师数")


def county_year(partition: str) -> ColumnElement[bool]:
    county, year = partition.split("/")
    schools = School.__table__  # type: ignore[attr-defined]
    table = ClassSizeStat.__table__  # type: ignore[attr-defined]
    in_county = select(schools.c.code).where(schools.c.county_adcode == county)
    return and_(table.c.year == int(year), table.c.school_code.in_(in_county))


def _band() -> Any:
    count = f.number(integer=True)
    return lambda value, ctx: count(value, ctx) or 0


CLASS_SIZES = Stream(
    name="class_size_stats",
    model=ClassSizeStat,
    key=("school_code", "year", "grade"),
    mode="snapshot_diff",
    key_sources=("学校标识码", YEAR, "年级"),
    scope=county_year,
    fields=(
        FieldMap("school_code", "学校标识码", f.school()),
        FieldMap("year", YEAR, f.number(required=True, integer=True)),
        FieldMap("grade", "年级", f.code("grade")),
        FieldMap("classes", "班级数", f.number(required=True, integer=True)),
        FieldMap("students", "学生数", f.number(required=True, integer=True)),
        *(
            FieldMap(band, column, _band())
            for band, column in zip(BANDS, BAND_COLUMNS, strict=True)
        ),
        FieldMap("full_time_teachers", "专任教师数", f.number(integer=True)),
    ),
)


class Statistics(FileDropConnector):
    name = NAME
    title = "教育事业统计"
    streams = (CLASS_SIZES,)
    depends_on = ("institution_codes",)
    file_name = re.compile(r"教育事业统计_(?P<county>\d{6})_(?P<period>\d{4})")
    columns = COLUMNS
    sheet_prefix = "教基"

    def partition_of(self, match: re.Match[str]) -> str:
        return f"{match.group('county')}/{match.group('period')}"

    def file_fields(self, ref: FileRef) -> dict[str, Any]:
        return {YEAR: int(ref.period or 0)}
