"""Who is calling: bearer-token callers (``ClientDep``), request ids, and the open-data limit."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Annotated

from fastapi import Depends, Request

from hub.api.deps import SessionDep, SettingsDep
from hub.errors import EduhubError, Unauthorized
from hub.services.exchange.clients import ANONYMOUS, Caller, authenticate


class RateLimited(EduhubError):
    status = 429
    type_slug = "rate-limited"
    title = "Too many requests"


class FixedWindow:
    """Per-address request counter over one-minute windows (per process)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._window = 0
        self._counts: dict[str, int] = {}

    def hit(self, key: str) -> None:
        now = int(time.time())
        window = now // 60
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            self._counts[key] = self._counts.get(key, 0) + 1
            if self._counts[key] > self.limit:
                raise RateLimited(
                    f"open data is limited to {self.limit} requests a minute per address",
                    retry_after=60 - now % 60,
                )


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
    """Anonymous callers share a per-address budget; token holders are not limited here."""
    if caller.client_id is not None:
        return
    limiter: FixedWindow | None = getattr(request.app.state, "open_limiter", None)
    if limiter is None:
        limiter = FixedWindow(request.app.state.settings.open_rate_limit)
        request.app.state.open_limiter = limiter
    limiter.hit(request.client.host if request.client else "unknown")


CallerDep = Annotated[Caller, Depends(get_caller)]
ClientDep = Annotated[Caller, Depends(get_client)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
