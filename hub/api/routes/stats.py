"""Usage statistics from the audit log, for the sharing assessment."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from hub.api.deps import SessionDep
from hub.api.security import ClientDep
from hub.services.exchange import audit

router = APIRouter(prefix="/api/v1/stats", tags=["exchange"])


class UsageRow(BaseModel):
    dataset: str | None
    org_code: str | None
    requests: int
    rows: int
    bytes: int


@router.get("/usage", summary="Requests, rows and bytes per dataset and organisation")
def usage(session: SessionDep, caller: ClientDep) -> list[UsageRow]:
    """The province (``audit:read``) sees every organisation; others see their own usage."""
    org = None if "audit:read" in caller.scopes else caller.org_code
    return [UsageRow(**u.__dict__) for u in audit.usage(session=session, org_code=org)]
