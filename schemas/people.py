"""Pupils and staff. ID numbers are never stored in clear: a keyed hash matches, a mask displays."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field

from schemas.base import Tracked


class Student(Tracked, table=True):
    __tablename__ = "students"

    id: int | None = Field(default=None, primary_key=True)
    xjh: str = Field(unique=True, max_length=19, description="全国学籍号")
    name: str = Field(max_length=60)
    gender: str = Field(max_length=1, description="GB/T 2261.1")
    birth_date: date
    ethnicity: str | None = Field(default=None, max_length=2, description="GB/T 3304")
    id_type: str = Field(default="1", max_length=1)
    id_hash: str | None = Field(default=None, max_length=64, index=True)
    id_masked: str | None = Field(default=None, max_length=18)
    school_code: str = Field(foreign_key="schools.code", max_length=10, index=True)
    grade: str = Field(max_length=3)
    class_no: str | None = Field(default=None, max_length=10)
    enrol_month: str | None = Field(default=None, max_length=6, description="入学年月 YYYYMM")
    boarding: str | None = Field(default=None, max_length=1)
    household_adcode: str | None = Field(default=None, max_length=6)
    address: str | None = Field(default=None, max_length=300)
    home_lon: float | None = Field(default=None, description="WGS-84")
    home_lat: float | None = Field(default=None, description="WGS-84")
    status: str = Field(default="1", max_length=1, description="enrolment_status code")
    poor_household: bool = False
    left_behind: str | None = Field(default=None, max_length=1)
    migrant: bool = False


class Teacher(Tracked, table=True):
    __tablename__ = "teachers"

    id: int | None = Field(default=None, primary_key=True)
    teacher_no: str = Field(unique=True, max_length=40, description="教职工号")
    name: str = Field(max_length=60)
    gender: str = Field(max_length=1)
    birth_date: date | None = None
    id_hash: str | None = Field(default=None, max_length=64, index=True)
    id_masked: str | None = Field(default=None, max_length=18)
    school_code: str = Field(foreign_key="schools.code", max_length=10, index=True)
    post_category: str = Field(max_length=1)
    teaching_stage: str | None = Field(default=None, max_length=1)
    subject: str | None = Field(default=None, max_length=40)
    education: str | None = Field(default=None, max_length=40)
    title: str | None = Field(default=None, max_length=40)
    work_start: str | None = Field(default=None, max_length=6, description="YYYYMM")
    ict_trained: bool = False
    learning_space: bool = False
