"""Decision-support indicators: definitions and values per region and period (public)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter

from hub.api.deps import SessionDep
from hub.services import indicators

router = APIRouter(prefix="/api/v1/indicators", tags=["indicators"])


@router.get("", summary="Every indicator with its definition and target")
def list_indicators() -> dict[str, Any]:
    data = [i.public() for i in indicators.list_indicators()]
    return {"data": data, "count": len(data)}


@router.get("/{indicator_id}", summary="Values of one indicator by region")
def get_indicator_values(
    indicator_id: str,
    session: SessionDep,
    level: Literal["province", "city", "county"] = "city",
    period: str | None = None,
    degree: str | None = None,
) -> dict[str, Any]:
    definition = indicators.get_indicator(indicator_id)
    values = indicators.compute(
        session=session, indicator_id=indicator_id, level=level, period=period, degree=degree
    )
    return {
        "indicator": definition.public(),
        "level": level,
        "period": values[0].period if values else period,
        "data": [asdict(v) for v in values],
        "count": len(values),
    }
