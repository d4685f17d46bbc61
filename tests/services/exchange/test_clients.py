"""Organisations, client secrets and tokens."""

from __future__ import annotations

import time

import jwt
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.errors import Conflict, NotFound, Unauthorized
from hub.services.exchange import clients
from hub.settings import Settings
from schemas.exchange import ApiClient, Organisation


def test_ensure_organisations_creates_province_and_13_cities(session: Session) -> None:
    clients.ensure_organisations(session=session)
    codes = sorted(session.exec(select(Organisation.code)).all())
    assert codes == ["320000", *[f"32{n:02d}00" for n in range(1, 14)]]


def test_create_client_stores_only_a_hash(session: Session) -> None:
    issued = clients.create_client(session=session, org_code="320100", name="nj")
    row = session.get(ApiClient, issued.id)
    assert row is not None
    assert issued.secret not in row.secret_hash
    assert clients.check_secret(issued.secret, row.secret_hash)


def test_create_client_refuses_unknown_org(session: Session) -> None:
    with pytest.raises(NotFound):
        clients.create_client(session=session, org_code="999999", name="x")


def test_issue_token_carries_org_and_scopes(session: Session, settings: Settings) -> None:
    issued = clients.create_client(session=session, org_code="320500", name="sz")
    token = clients.issue_token(
        session=session, settings=settings, client_id=issued.id, client_secret=issued.secret
    )
    claims = jwt.decode(token.access_token, settings.token_key.get_secret_value(), ["HS256"])
    assert claims["org"] == "320500"
    assert claims["exp"] - time.time() <= settings.token_ttl_seconds


def test_issue_token_refuses_wrong_secret(session: Session, settings: Settings) -> None:
    issued = clients.create_client(session=session, org_code="320500", name="sz")
    with pytest.raises(Unauthorized):
        clients.issue_token(
            session=session, settings=settings, client_id=issued.id, client_secret="nope"
        )


def test_rotate_secret_invalidates_old_secret(session: Session, settings: Settings) -> None:
    issued = clients.create_client(session=session, org_code="320500", name="sz")
    rotated = clients.rotate_secret(session=session, client_id=issued.id)
    with pytest.raises(Unauthorized):
        clients.issue_token(
            session=session, settings=settings, client_id=issued.id, client_secret=issued.secret
        )
    assert clients.issue_token(
        session=session, settings=settings, client_id=issued.id, client_secret=rotated.secret
    ).access_token


def test_authenticate_refuses_token_of_revoked_client(
    session: Session, settings: Settings, engine: Engine
) -> None:
    issued = clients.create_client(session=session, org_code="320500", name="sz")
    token = clients.issue_token(
        session=session, settings=settings, client_id=issued.id, client_secret=issued.secret
    ).access_token
    clients.revoke_client(session=session, client_id=issued.id)
    with Session(engine) as fresh, pytest.raises(Unauthorized):
        clients.authenticate(session=fresh, settings=settings, token=token)


def test_authenticate_refuses_expired_token(session: Session, settings: Settings) -> None:
    issued = clients.create_client(session=session, org_code="320500", name="sz")
    claims = {"sub": issued.id, "org": "320500", "iss": "eduhub", "exp": int(time.time()) - 5}
    token = jwt.encode(claims, settings.token_key.get_secret_value(), algorithm="HS256")
    with pytest.raises(Unauthorized, match="expired"):
        clients.authenticate(session=session, settings=settings, token=token)


def test_rotate_secret_refuses_revoked_client(session: Session) -> None:
    issued = clients.create_client(session=session, org_code="320500", name="sz")
    clients.revoke_client(session=session, client_id=issued.id)
    with pytest.raises(Conflict):
        clients.rotate_secret(session=session, client_id=issued.id)
