"""Regions (GB/T 2260) and code tables, read-only and public."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from hub.api.deps import SessionDep
from hub.services import reference
from schemas.reference import CodeValuePublic, RegionPublic

router = APIRouter(prefix="/api/v1", tags=["reference"])


class RegionsPublic(BaseModel):
    data: list[RegionPublic]
    count: int


class CodeTablePublic(BaseModel):
    table: str
    data: list[CodeValuePublic]
    count: int


@router.get("/regions", summary="The province, its cities and counties")
def list_regions(
    session: SessionDep,
    level: Literal["province", "city", "county"] | None = None,
    parent: str | None = None,
) -> RegionsPublic:
    rows = reference.list_regions(session=session, level=level, parent=parent)
    data = [RegionPublic.model_validate(r, from_attributes=True) for r in rows]
    return RegionsPublic(data=data, count=len(data))


@router.get("/regions/{adcode}", summary="One region by GB/T 2260 code")
def get_region(adcode: str, session: SessionDep) -> RegionPublic:
    return RegionPublic.model_validate(
        reference.get_region(session=session, adcode=adcode), from_attributes=True
    )


@router.get("/codes", summary="Names of the code tables")
def list_code_tables() -> list[str]:
    return reference.list_code_tables()


@router.get("/codes/{table}", summary="One code table")
def get_code_table(table: str, session: SessionDep) -> CodeTablePublic:
    rows = reference.get_code_table(session=session, table=table)
    data = [
        CodeValuePublic(
            table_name=r.table_name,
            code=r.code,
            name=r.name,
            parent=r.parent,
            aliases=[a for a in r.aliases.split("|") if a],
        )
        for r in rows
    ]
    return CodeTablePublic(table=table, data=data, count=len(data))
