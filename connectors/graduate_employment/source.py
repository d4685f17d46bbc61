"""One workbook per university and graduation year, a complete list of that year's graduates."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, and_

from connectors import fields as f
from connectors.streams import FieldMap, FileRef, Stream
from connectors.transports.file_drop import FileDropConnector
from schemas.outcomes import GraduateDestination

NAME = "graduate_employment"
UNIVERSITY = "院校代码"  # taken from the file name
COLUMNS = (
    "学号",
    "姓名",
    "性别",
    "身份证件号",
    "院系",
    "专业代码",
    "专业名称",
    "学历层次",
    "毕业年份",
    "去向类别",
    "就业单位所在地行政区划",
)


def university_year(partition: str) -> ColumnElement[bool]:
    university, year = partition.split("/")
    table = GraduateDestination.__table__  # type: ignore[attr-defined]
    return and_(table.c.university_code == university, table.c.graduation_year == int(year))


GRADUATES = Stream(
    name="graduates",
    model=GraduateDestination,
    key=("university_code", "student_no", "graduation_year"),
    mode="snapshot_diff",
    key_sources=(UNIVERSITY, "学号", "毕业年份"),
    scope=university_year,
    fields=(
        FieldMap("university_code", UNIVERSITY, f.school()),
        FieldMap("student_no", "学号", f.text(required=True, upper=True)),
        FieldMap("name", "姓名", f.text(required=True)),
        FieldMap("gender", "性别", f.code("gender")),
        FieldMap(("id_hash", "id_masked"), "身份证件号", f.id_number()),
        FieldMap("department", "院系", f.text()),
        FieldMap("major_code", "专业代码", f.text()),
        FieldMap("major_name", "专业名称", f.text()),
        FieldMap("degree_level", "学历层次", f.code("degree_level")),
        FieldMap("graduation_year", "毕业年份", f.number(required=True, integer=True)),
        FieldMap("destination", "去向类别", f.code("destination")),
        FieldMap("employer_adcode", "就业单位所在地行政区划", f.adcode()),
    ),
)


class GraduateEmployment(FileDropConnector):
    name = NAME
    title = "高校毕业生就业"
    streams = (GRADUATES,)
    depends_on = ("institution_codes",)
    file_name = re.compile(r"就业_(?P<university>\d{10})_(?P<period>\d{4})")
    columns = COLUMNS

    def partition_of(self, match: re.Match[str]) -> str:
        return f"{match.group('university')}/{match.group('period')}"

    def file_fields(self, ref: FileRef) -> dict[str, Any]:
        return {UNIVERSITY: (ref.partition or "").split("/")[0]}
