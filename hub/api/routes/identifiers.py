"""Identifier checks for clerks and developers: why is this ID number or school code wrong?"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from hub.api.deps import SettingsDep
from hub.services.identifiers import check_identifier

router = APIRouter(prefix="/api/v1", tags=["reference"])


class CheckResult(BaseModel):
    ok: bool
    kind: str
    value: str | None
    rule: str | None
    message: str | None


@router.get("/identifiers/check", summary="Validate an ID number, 全国学籍号 or 学校标识码")
def check(
    value: str,
    settings: SettingsDep,
    kind: Literal["auto", "id_number", "xjh", "school_code"] = "auto",
) -> CheckResult:
    result = check_identifier(value=value, kind=kind, province=settings.province_code)
    return CheckResult(
        ok=result.ok, kind=result.kind, value=result.value, rule=result.rule, message=result.message
    )
