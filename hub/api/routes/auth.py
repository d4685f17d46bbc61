"""OAuth2 client-credentials token endpoint (RFC 6749 §4.4)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from pydantic import BaseModel

from hub.api.deps import SessionDep, SettingsDep
from hub.errors import Invalid, Unauthorized
from hub.services.exchange import clients

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, secret = base64.b64decode(value).decode().partition(":")
    except ValueError as exc:
        raise Unauthorized("malformed Basic credentials") from exc
    return user, secret


@router.post("/token", summary="Exchange client credentials for a short-lived bearer token")
async def token(request: Request, session: SessionDep, settings: SettingsDep) -> TokenResponse:
    """Form-encoded (``grant_type=client_credentials``) or JSON; credentials in body or Basic."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        import orjson

        form = {str(k): str(v) for k, v in orjson.loads(raw or b"{}").items()}
    else:
        form = dict(parse_qsl(raw.decode()))
    if form.get("grant_type") != "client_credentials":
        raise Invalid("grant_type must be client_credentials", oauth_error="unsupported_grant_type")
    basic = _basic(request.headers.get("authorization", ""))
    client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
    issued = clients.issue_token(
        session=session,
        settings=settings,
        client_id=client_id,
        client_secret=secret,
        scope=form.get("scope"),
    )
    return TokenResponse(
        access_token=issued.access_token,
        token_type=issued.token_type,
        expires_in=issued.expires_in,
        scope=issued.scope,
    )
