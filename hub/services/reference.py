"""Regions and code tables as the API and CLI show them."""

from __future__ import annotations

from sqlmodel import Session, col, select

from hub.errors import Invalid, NotFound
from schemas.codes import code_tables
from schemas.reference import CodeValue, Region

LEVELS = ("province", "city", "county")


def list_regions(
    *, session: Session, level: str | None = None, parent: str | None = None
) -> list[Region]:
    if level is not None and level not in LEVELS:
        raise Invalid(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    query = select(Region).order_by(col(Region.adcode))
    if level is not None:
        query = query.where(Region.level == level)
    if parent is not None:
        query = query.where(Region.parent == parent)
    return list(session.exec(query).all())


def get_region(*, session: Session, adcode: str) -> Region:
    region = session.get(Region, adcode)
    if region is None:
        raise NotFound(f"no region with code {adcode!r}")
    return region


def list_code_tables() -> list[str]:
    return code_tables()


def get_code_table(*, session: Session, table: str) -> list[CodeValue]:
    known = code_tables()
    if table not in known:
        raise NotFound(f"unknown code table {table!r}; known tables: {', '.join(known)}")
    query = select(CodeValue).where(CodeValue.table_name == table).order_by(col(CodeValue.code))
    return list(session.exec(query).all())
