"""有条件共享 workflow: request → approve (grant) or reject with reason → revoke.

国发〔2016〕51号: the provider answers within 10 working days and must give reasons for a
refusal. Working days follow the State Council's holiday schedule (``workdays``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from catalog.model import SharingType
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.services.exchange.clients import Caller
from hub.services.exchange.datasets import get_dataset
from hub.services.exchange.workdays import add_working_days, china_date
from hub.settings import Settings
from schemas.base import utcnow
from schemas.exchange import Grant, ShareRequest
from schemas.reference import Region

DECISION_WORKING_DAYS = 10


def _need(caller: Caller, scope: str) -> str:
    if caller.org is None:
        raise Forbidden("a token is required")
    if scope not in caller.scopes:
        raise Forbidden(f"token lacks the {scope} scope")
    return caller.org.code


def submit(
    *,
    session: Session,
    settings: Settings,
    caller: Caller,
    dataset: str,
    purpose: str,
    legal_basis: str,
    fields: list[str],
    period_start: date,
    period_end: date,
    now: datetime | None = None,
) -> ShareRequest:
    org = _need(caller, "shares:request")
    ds = get_dataset(settings, dataset)
    if ds.sharing != SharingType.CONDITIONAL:
        raise Conflict(f"{ds.code} is {ds.sharing}: share requests are for 有条件共享 resources")
    if org == ds.provider:
        raise Conflict("the provider needs no share request for its own resource")
    if not purpose.strip() or not legal_basis.strip():
        raise Invalid("purpose and legal basis are required")
    unknown = sorted(set(fields) - set(ds.fields))
    if unknown:
        raise Invalid(f"unknown field(s) {', '.join(unknown)}")
    if period_end < period_start:
        raise Invalid("period_end is before period_start")
    now = now or utcnow()
    request = ShareRequest(
        dataset=ds.code,
        requester=org,
        provider=ds.provider,
        purpose=purpose,
        legal_basis=legal_basis,
        fields=list(fields),
        period_start=period_start,
        period_end=period_end,
        submitted_at=now,
        due_on=add_working_days(china_date(now), DECISION_WORKING_DAYS),
    )
    session.add(request)
    session.commit()
    session.refresh(request)
    return request


def _pending_for_provider(session: Session, caller: Caller, request_id: int) -> ShareRequest:
    org = _need(caller, "shares:decide")
    request = session.get(ShareRequest, request_id)
    if request is None:
        raise NotFound(f"no share request {request_id}")
    if request.provider != org:
        raise Forbidden("only the provider decides on a share request")
    if request.status != "pending":
        raise Conflict(f"share request {request_id} is already {request.status}")
    return request


def approve(
    *,
    session: Session,
    caller: Caller,
    request_id: int,
    fields: list[str] | None = None,
    row_scope: list[str] | None = None,
    expires_on: date | None = None,
) -> Grant:
    """Approve; the grant may narrow the requested fields, set the regions and the expiry."""
    request = _pending_for_provider(session, caller, request_id)
    granted = request.fields if fields is None else fields
    if not set(granted) <= set(request.fields):
        raise Invalid("a grant cannot name fields that were not requested")
    scope = row_scope or [request.requester]
    for adcode in scope:
        if session.get(Region, adcode) is None:
            raise Invalid(f"unknown region {adcode!r}")
    request.status = "approved"
    request.decided_at = utcnow()
    grant = Grant(
        request_id=request_id,
        dataset=request.dataset,
        org_code=request.requester,
        fields=list(granted),
        row_scope=list(scope),
        expires_on=expires_on or request.period_end,
    )
    session.add(request)
    session.add(grant)
    session.commit()
    session.refresh(grant)
    return grant


def reject(*, session: Session, caller: Caller, request_id: int, reason: str) -> ShareRequest:
    if not reason.strip():
        raise Invalid("a refusal must give its reason (国发〔2016〕51号)")
    request = _pending_for_provider(session, caller, request_id)
    request.status = "rejected"
    request.reason = reason
    request.decided_at = utcnow()
    session.add(request)
    session.commit()
    session.refresh(request)
    return request


def revoke(*, session: Session, caller: Caller, grant_id: int) -> Grant:
    org = _need(caller, "shares:decide")
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(f"no grant {grant_id}")
    request = session.get(ShareRequest, grant.request_id)
    if request is None or request.provider != org:
        raise Forbidden("only the provider revokes a grant")
    if grant.revoked_at is not None:
        raise Conflict(f"grant {grant_id} is already revoked")
    grant.revoked_at = utcnow()
    request.status = "revoked"
    session.add(grant)
    session.add(request)
    session.commit()
    session.refresh(grant)
    return grant


def list_requests(
    *, session: Session, caller: Caller, overdue: bool = False, today: date | None = None
) -> list[ShareRequest]:
    """Requests the caller sent or must decide; ``overdue``: pending past the deadline."""
    if caller.org is None:
        raise Forbidden("a token is required")
    org = caller.org.code
    stmt = select(ShareRequest).order_by(col(ShareRequest.id))
    if caller.org.level != "province":
        stmt = stmt.where((ShareRequest.requester == org) | (ShareRequest.provider == org))
    if overdue:
        stmt = stmt.where(
            ShareRequest.status == "pending", ShareRequest.due_on < (today or china_date(utcnow()))
        )
    return list(session.exec(stmt).all())


def list_grants(*, session: Session, caller: Caller) -> list[Grant]:
    if caller.org is None:
        raise Forbidden("a token is required")
    stmt = select(Grant).order_by(col(Grant.id))
    if caller.org.level != "province":
        stmt = stmt.where(Grant.org_code == caller.org.code)
    return list(session.exec(stmt).all())
