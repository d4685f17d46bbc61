"""Outcomes measured on pupils and graduates: physical-health tests and graduate destinations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from schemas.base import Tracked


class HealthTest(Tracked, table=True):
    __tablename__ = "health_tests"
    __table_args__ = (UniqueConstraint("xjh", "test_date"),)

    id: int | None = Field(default=None, primary_key=True)
    xjh: str = Field(max_length=19, index=True)
    school_code: str = Field(foreign_key="schools.code", max_length=10, index=True)
    school_year: str = Field(max_length=9)
    test_date: date
    height_cm: float | None = None
    weight_kg: float | None = None
    vital_capacity_ml: int | None = None
    run_50m_s: float | None = None
    sit_and_reach_cm: float | None = None
    total_score: float | None = None
    grade_level: str = Field(max_length=1, description="health_grade code")


class GraduateDestination(Tracked, table=True):
    __tablename__ = "graduate_destinations"
    __table_args__ = (UniqueConstraint("university_code", "student_no", "graduation_year"),)

    id: int | None = Field(default=None, primary_key=True)
    university_code: str = Field(foreign_key="schools.code", max_length=10, index=True)
    student_no: str = Field(max_length=40)
    name: str = Field(max_length=60)
    gender: str = Field(max_length=1)
    id_hash: str | None = Field(default=None, max_length=64, index=True)
    id_masked: str | None = Field(default=None, max_length=18)
    department: str | None = Field(default=None, max_length=100)
    major_code: str | None = Field(default=None, max_length=20)
    major_name: str | None = Field(default=None, max_length=100)
    degree_level: str = Field(max_length=1, description="degree_level code")
    graduation_year: int
    destination: str = Field(max_length=1, description="destination code")
    employer_adcode: str | None = Field(default=None, max_length=6)
