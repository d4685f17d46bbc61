"""Share requests (有条件共享) and the grants their approval creates."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hub.api.deps import SessionDep, SettingsDep
from hub.api.security import ClientDep
from hub.services.exchange import shares
from schemas.exchange import Grant, ShareRequest

router = APIRouter(prefix="/api/v1", tags=["exchange"])


class ShareRequestIn(BaseModel):
    dataset: str = Field(description="resource code or id")
    purpose: str
    legal_basis: str
    fields: list[str] = Field(default_factory=list, description="personal fields wanted in clear")
    period_start: date
    period_end: date


class ApprovalIn(BaseModel):
    fields: list[str] | None = None
    row_scope: list[str] | None = Field(default=None, description="adcodes; default: requester")
    expires_on: date | None = None


class RejectionIn(BaseModel):
    reason: str


@router.post("/share-requests", status_code=201, summary="Ask a provider for 有条件共享 data")
def submit(
    body: ShareRequestIn, session: SessionDep, settings: SettingsDep, caller: ClientDep
) -> ShareRequest:
    return shares.submit(
        session=session,
        settings=settings,
        caller=caller,
        dataset=body.dataset,
        purpose=body.purpose,
        legal_basis=body.legal_basis,
        fields=body.fields,
        period_start=body.period_start,
        period_end=body.period_end,
    )


@router.get("/share-requests", summary="Requests sent or to decide; overdue ones on demand")
def list_requests(
    session: SessionDep, caller: ClientDep, overdue: bool = False
) -> list[ShareRequest]:
    return shares.list_requests(session=session, caller=caller, overdue=overdue)


@router.post("/share-requests/{request_id}/approve", summary="Approve: creates a grant")
def approve(request_id: int, body: ApprovalIn, session: SessionDep, caller: ClientDep) -> Grant:
    return shares.approve(
        session=session,
        caller=caller,
        request_id=request_id,
        fields=body.fields,
        row_scope=body.row_scope,
        expires_on=body.expires_on,
    )


@router.post("/share-requests/{request_id}/reject", summary="Refuse, with the reason")
def reject(
    request_id: int, body: RejectionIn, session: SessionDep, caller: ClientDep
) -> ShareRequest:
    return shares.reject(session=session, caller=caller, request_id=request_id, reason=body.reason)


@router.get("/grants", summary="Grants of the caller (all of them for the province)")
def list_grants(session: SessionDep, caller: ClientDep) -> list[Grant]:
    return shares.list_grants(session=session, caller=caller)


@router.post("/grants/{grant_id}/revoke", summary="Revoke a grant: pulls answer 403 at once")
def revoke(grant_id: int, session: SessionDep, caller: ClientDep) -> Grant:
    return shares.revoke(session=session, caller=caller, grant_id=grant_id)
