"""One workbook per city and quarter; staff missing from the city's newest file have left."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, select

from connectors import fields as f
from connectors.streams import FieldMap, Stream
from connectors.transports.file_drop import FileDropConnector
from schemas.people import Teacher
from schemas.schools import School

NAME = "teachers"
SHEET = "教职工基本信息"
COLUMNS = (
    "教职工号",
    "姓名",
    "性别",
    "出生日期",
    "身份证件号",
    "学校标识码",
    "岗位类别",
    "任教学段",
    "任教学科",
    "最高学历",
    "专业技术职务",
    "参加工作年月",
    "信息技术应用能力培训",
    "网络学习空间",
)


def city_schools(city: str) -> ColumnElement[bool]:
    schools = School.__table__  # type: ignore[attr-defined]
    in_city = select(schools.c.code).where(schools.c.county_adcode.like(city[:4] + "%"))
    return Teacher.__table__.c.school_code.in_(in_city)  # type: ignore[attr-defined]


STAFF = Stream(
    name="teachers",
    model=Teacher,
    key=("teacher_no",),
    mode="snapshot_diff",
    key_sources=("教职工号",),
    scope=city_schools,
    duplicate_field="school_code",
    duplicate_source="学校标识码",
    fields=(
        FieldMap("teacher_no", "教职工号", f.text(required=True, upper=True)),
        FieldMap("name", "姓名", f.text(required=True)),
        FieldMap("gender", "性别", f.code("gender")),
        FieldMap("birth_date", "出生日期", f.date_value(required=False)),
        FieldMap(("id_hash", "id_masked"), "身份证件号", f.id_number()),
        FieldMap("school_code", "学校标识码", f.school()),
        FieldMap("post_category", "岗位类别", f.code("post_category")),
        FieldMap("teaching_stage", "任教学段", f.code("teaching_stage", required=False)),
        FieldMap("subject", "任教学科", f.text()),
        FieldMap("education", "最高学历", f.text()),
        FieldMap("title", "专业技术职务", f.text()),
        FieldMap("work_start", "参加工作年月", f.month()),
        FieldMap("ict_trained", "信息技术应用能力培训", f.flag()),
        FieldMap("learning_space", "网络学习空间", f.flag()),
    ),
)


class Teachers(FileDropConnector):
    name = NAME
    title = "全国教师管理信息系统"
    streams = (STAFF,)
    depends_on = ("institution_codes",)
    file_name = re.compile(r"教师_(?P<partition>\d{6})_(?P<period>\d{4}Q[1-4])")
    columns = COLUMNS
    sheet_names = (SHEET,)
