"""Who is calling: bearer-token callers (``ClientDep``), request ids, and the open-data limit."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from hub.api.deps import SessionDep, SettingsDep
from hub.errors import Unauthorized
from hub.services.exchange import ratelimit
from hub.services.exchange.clients import ANONYMOUS, Caller, authenticate


def get_caller(request: Request, session: SessionDep, settings: SettingsDep) -> Caller:
    header = request.headers.get("authorization", "")
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("use 'Authorization: Bearer <token>'")
    return authenticate(session=session, settings=settings, token=token.strip())


def get_client(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    """Like ``get_caller`` but a token is required."""
    if caller.client_id is None:
        raise Unauthorized("a bearer token is required (POST /api/v1/auth/token)")
    return caller


def get_request_id(request: Request) -> str:
    given = request.headers.get("x-request-id", "")
    return given[:40] if given else uuid.uuid4().hex


def rate_limit_open(request: Request, caller: Caller) -> None:
    """Anonymous callers share a per-address budget (in the database, so across worker
    processes); token holders are not limited here."""
    if caller.client_id is not None:
        return
    ratelimit.hit(
        engine=request.app.state.engine,
        key=request.client.host if request.client else "unknown",
        limit=request.app.state.settings.open_rate_limit,
    )


CallerDep = Annotated[Caller, Depends(get_caller)]
ClientDep = Annotated[Caller, Depends(get_client)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
