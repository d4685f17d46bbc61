"""Schools and what is counted per school: classes, class-size bands, ICT survey rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from schemas.base import Tracked


class SchoolBase(Tracked):
    code: str = Field(primary_key=True, max_length=10, description="学校标识码 (10 digits)")
    name: str = Field(max_length=200)
    school_type: str = Field(max_length=3, index=True, description="办学类型码")
    sponsor_type: str | None = Field(default=None, max_length=40, description="举办者类型")
    urban_rural: str | None = Field(default=None, max_length=3, description="城乡分类码")
    county_adcode: str = Field(foreign_key="regions.adcode", max_length=6, index=True)
    address: str | None = Field(default=None, max_length=300)
    lon: float | None = Field(default=None, description="WGS-84 longitude")
    lat: float | None = Field(default=None, description="WGS-84 latitude")
    src_lon: float | None = Field(default=None, description="longitude as the source gave it")
    src_lat: float | None = Field(default=None, description="latitude as the source gave it")
    src_crs: str | None = Field(default=None, max_length=10, description="GCJ-02 | BD-09 | WGS-84")
    founded: str | None = Field(default=None, max_length=6, description="建校年月 YYYYMM")
    closed_on: date | None = Field(default=None, description="撤销日期 (closed schools)")


class School(SchoolBase, table=True):
    __tablename__ = "schools"


class SchoolClass(Tracked, table=True):
    """One class in one school year (班级)."""

    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("school_code", "school_year", "grade", "class_no"),)

    id: int | None = Field(default=None, primary_key=True)
    school_code: str = Field(foreign_key="schools.code", max_length=10, index=True)
    school_year: int = Field(description="first calendar year of the school year, e.g. 2026")
    grade: str = Field(max_length=3, description="grade code")
    class_no: str = Field(max_length=10)
    head_count: int
    head_teacher_no: str | None = Field(default=None, max_length=40)


BANDS = (
    "le25",
    "b26_30",
    "b31_35",
    "b36_40",
    "b41_45",
    "b46_50",
    "b51_55",
    "b56_60",
    "b61_65",
    "ge66",
)


class ClassSizeStat(Tracked, table=True):
    """教育事业统计: classes per size band, per school, grade and year."""

    __tablename__ = "class_size_stats"
    __table_args__ = (UniqueConstraint("school_code", "year", "grade"),)

    id: int | None = Field(default=None, primary_key=True)
    school_code: str = Field(foreign_key="schools.code", max_length=10, index=True)
    year: int
    grade: str = Field(max_length=3)
    classes: int
    students: int
    le25: int = 0
    b26_30: int = 0
    b31_35: int = 0
    b36_40: int = 0
    b41_45: int = 0
    b46_50: int = 0
    b51_55: int = 0
    b56_60: int = 0
    b61_65: int = 0
    ge66: int = 0
    full_time_teachers: int | None = None


class IctSurvey(Tracked, table=True):
    """School ICT survey row for one quarter (宽带 / 无线 / 多媒体 / 网络学习空间)."""

    __tablename__ = "ict_surveys"
    __table_args__ = (UniqueConstraint("school_code", "quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    school_code: str = Field(foreign_key="schools.code", max_length=10, index=True)
    quarter: str = Field(max_length=6, description="YYYYQn")
    bandwidth_mbps: int
    wireless_coverage: str = Field(max_length=1, description="wireless_coverage code")
    classrooms_total: int
    classrooms_multimedia: int
    teacher_spaces_opened: int
    student_spaces_opened: int
    reported_at: date | None = None
