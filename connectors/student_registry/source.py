"""One workbook per county and month; a pupil missing from the county's newest file has left."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, select

from connectors import fields as f
from connectors.geo import to_wgs84
from connectors.streams import FieldMap, Stream
from connectors.transports.file_drop import FileDropConnector
from schemas.people import Student
from schemas.schools import School

NAME = "student_registry"
SHEET = "学生基本信息"
COLUMNS = (
    "全国学籍号",
    "姓名",
    "性别",
    "出生日期",
    "民族",
    "身份证件类型",
    "身份证件号",
    "学校标识码",
    "学校名称",
    "年级",
    "班号",
    "入学年月",
    "就读方式",
    "户口所在地行政区划",
    "现住址",
    "现住址经度",
    "现住址纬度",
    "学籍状态",
    "是否建档立卡贫困户",
    "留守儿童",
    "随迁子女",
)


def county_schools(county: str) -> ColumnElement[bool]:
    """Pupils of the schools of one county: what that county's snapshot covers."""
    schools = School.__table__  # type: ignore[attr-defined]
    in_county = select(schools.c.code).where(schools.c.county_adcode == county)
    return Student.__table__.c.school_code.in_(in_county)  # type: ignore[attr-defined]


STUDENTS = Stream(
    name="students",
    model=Student,
    key=("xjh",),
    mode="snapshot_diff",
    key_sources=("全国学籍号",),
    scope=county_schools,
    duplicate_field="school_code",
    duplicate_source="学校标识码",
    fields=(
        FieldMap("xjh", "全国学籍号", f.xjh()),
        FieldMap("name", "姓名", f.text(required=True)),
        FieldMap("gender", "性别", f.code("gender")),
        FieldMap("birth_date", "出生日期", f.date_value()),
        FieldMap("ethnicity", "民族", f.code("ethnicity", required=False)),
        FieldMap(
            ("id_type", "id_hash", "id_masked"), ("身份证件类型", "身份证件号"), f.id_document()
        ),
        FieldMap("school_code", "学校标识码", f.school()),
        FieldMap("grade", "年级", f.code("grade")),
        FieldMap("class_no", "班号", f.text()),
        FieldMap("enrol_month", "入学年月", f.month()),
        FieldMap("boarding", "就读方式", f.code("boarding", required=False)),
        FieldMap("household_adcode", "户口所在地行政区划", f.adcode()),
        FieldMap("address", "现住址", f.text()),
        FieldMap(("home_lon", "home_lat"), ("现住址经度", "现住址纬度"), f.coordinates()),
        FieldMap("status", "学籍状态", f.code("enrolment_status")),
        FieldMap("poor_household", "是否建档立卡贫困户", f.flag()),
        FieldMap("left_behind", "留守儿童", f.code("left_behind", required=False)),
        FieldMap("migrant", "随迁子女", f.flag()),
    ),
    batch_checks=(to_wgs84("home_lon", "home_lat", source_field="现住址经度,现住址纬度"),),
)


class StudentRegistry(FileDropConnector):
    name = NAME
    title = "全国中小学生学籍信息管理系统"
    streams = (STUDENTS,)
    depends_on = ("institution_codes",)
    file_name = re.compile(r"学籍_(?P<partition>\d{6})_(?P<period>\d{6})")
    columns = COLUMNS
    sheet_names = (SHEET,)
