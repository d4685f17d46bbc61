"""Organisations, OAuth2 clients (client-credentials) and the signed access tokens they get.

Secrets are shown once and stored as salted scrypt hashes (stdlib, no native dependency);
tokens are short-lived HS256 JWTs so a revoked client is refused at the latest when its token
expires, and at once because every request re-reads the client row.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import jwt
from sqlmodel import Session, select

from hub.errors import Conflict, Invalid, NotFound, Unauthorized
from hub.settings import Settings
from schemas.base import utcnow
from schemas.exchange import ApiClient, Organisation
from schemas.reference import Region

SCOPES = ("datasets:read", "datasets:write", "shares:request", "shares:decide", "audit:read")
DEFAULT_SCOPES = ("datasets:read", "shares:request")
PROVINCE_SCOPES = SCOPES
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def ensure_organisations(*, session: Session, counties: bool = False) -> int:
    """Create the province department and the city bureaus from the regions (idempotent)."""
    levels = ("province", "city", "county") if counties else ("province", "city")
    existing = set(session.exec(select(Organisation.code)).all())
    added = 0
    regions = session.exec(select(Region).where(Region.level.in_(levels)))  # type: ignore[attr-defined]
    for region in regions:
        if region.adcode in existing:
            continue
        suffix = "教育厅" if region.level == "province" else "教育局"
        session.add(
            Organisation(
                code=region.adcode,
                name=region.name + suffix,
                level=region.level,
                parent=region.parent,
            )
        )
        added += 1
    if added:
        session.commit()
    return added


def list_organisations(*, session: Session) -> list[Organisation]:
    ensure_organisations(session=session)
    return list(session.exec(select(Organisation).order_by(Organisation.code)).all())


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_secret(secret: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(
            secret.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


@dataclass(frozen=True)
class IssuedClient:
    """A client and its secret in clear: the only moment the secret is ever visible."""

    id: str
    org_code: str
    name: str
    scopes: list[str]
    secret: str


def _parse_scopes(scopes: list[str] | None, org: Organisation) -> list[str]:
    wanted = list(scopes or (PROVINCE_SCOPES if org.level == "province" else DEFAULT_SCOPES))
    unknown = sorted(set(wanted) - set(SCOPES))
    if unknown:
        raise Invalid(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    return wanted


def create_client(
    *, session: Session, org_code: str, name: str, scopes: list[str] | None = None
) -> IssuedClient:
    ensure_organisations(session=session)
    org = session.get(Organisation, org_code)
    if org is None:
        raise NotFound(f"no organisation {org_code!r}; see `eduhub clients orgs`")
    granted = _parse_scopes(scopes, org)
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        id="c_" + secrets.token_hex(8),
        org_code=org.code,
        name=name,
        secret_hash=hash_secret(secret),
        scopes=" ".join(granted),
    )
    session.add(client)
    session.commit()
    return IssuedClient(client.id, org.code, name, granted, secret)


def _get(session: Session, client_id: str) -> ApiClient:
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(f"no client {client_id!r}")
    return client


def revoke_client(*, session: Session, client_id: str) -> ApiClient:
    client = _get(session, client_id)
    client.revoked = True
    session.add(client)
    session.commit()
    return client


def rotate_secret(*, session: Session, client_id: str) -> IssuedClient:
    """Replace the secret; the old one stops working at once (tokens already issued expire)."""
    client = _get(session, client_id)
    if client.revoked:
        raise Conflict(f"client {client_id} is revoked; create a new one")
    secret = secrets.token_urlsafe(32)
    client.secret_hash = hash_secret(secret)
    client.rotated_at = utcnow()
    session.add(client)
    session.commit()
    return IssuedClient(client.id, client.org_code, client.name, client.scopes.split(), secret)


def list_clients(*, session: Session) -> list[ApiClient]:
    return list(session.exec(select(ApiClient).order_by(ApiClient.org_code, ApiClient.id)).all())


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"


def issue_token(
    *,
    session: Session,
    settings: Settings,
    client_id: str,
    client_secret: str,
    scope: str | None = None,
) -> Token:
    """OAuth2 client-credentials: a signed token naming the client, its organisation, scopes."""
    client = session.get(ApiClient, client_id)
    if client is None or client.revoked or not check_secret(client_secret, client.secret_hash):
        raise Unauthorized("invalid client credentials", oauth_error="invalid_client")
    allowed = client.scopes.split()
    wanted = scope.split() if scope else allowed
    if not set(wanted) <= set(allowed):
        raise Unauthorized("scope not allowed for this client", oauth_error="invalid_scope")
    now = int(time.time())
    claims = {
        "sub": client.id,
        "org": client.org_code,
        "scope": " ".join(wanted),
        "iat": now,
        "exp": now + settings.token_ttl_seconds,
        "iss": "eduhub",
    }
    token = jwt.encode(claims, settings.token_key.get_secret_value(), algorithm="HS256")
    return Token(token, settings.token_ttl_seconds, " ".join(wanted))


@dataclass(frozen=True)
class Caller:
    """Who is asking: the authenticated client and its organisation, or an anonymous caller."""

    client_id: str | None
    org: Organisation | None
    scopes: frozenset[str]

    @property
    def org_code(self) -> str | None:
        return self.org.code if self.org else None


ANONYMOUS = Caller(None, None, frozenset())


def authenticate(*, session: Session, settings: Settings, token: str) -> Caller:
    """Verify signature and expiry, then re-read the client so revocation applies at once."""
    try:
        claims = jwt.decode(
            token,
            settings.token_key.get_secret_value(),
            algorithms=["HS256"],
            issuer="eduhub",
            options={"require": ["exp", "sub", "org"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
    client = session.get(ApiClient, claims["sub"])
    if client is None or client.revoked:
        raise Unauthorized("client revoked")
    org = session.get(Organisation, client.org_code)
    return Caller(client.id, org, frozenset(str(claims.get("scope", "")).split()))
