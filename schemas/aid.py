"""Student aid payments and registered poor households (from the exchange database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Numeric
from sqlmodel import Field

from schemas.base import Tracked


class AidPayment(Tracked, table=True):
    __tablename__ = "aid_payments"

    id: int | None = Field(default=None, primary_key=True)
    payment_id: str = Field(unique=True, max_length=40, description="id in xszz_ffmx")
    xjh: str = Field(max_length=19, index=True)
    programme: str = Field(max_length=10, description="aid_programme code")
    amount: Decimal = Field(sa_type=Numeric(12, 2))
    school_year: str = Field(max_length=9, description="e.g. 2025-2026")
    term: str = Field(max_length=1)
    paid_on: date | None = None


class PoorHousehold(Tracked, table=True):
    __tablename__ = "poor_households"

    id: int | None = Field(default=None, primary_key=True)
    household_id: str = Field(unique=True, max_length=40, description="id in jdlk_pkh")
    child_id_hash: str = Field(max_length=64, index=True)
    child_id_masked: str = Field(max_length=18)
    head_name: str | None = Field(default=None, max_length=60)
    county_adcode: str = Field(foreign_key="regions.adcode", max_length=6, index=True)
    attribute: str | None = Field(default=None, max_length=40, description="贫困户属性")
