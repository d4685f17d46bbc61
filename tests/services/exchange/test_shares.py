"""Share-request deadlines: 10 working days, overdue requests listed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from hub.errors import Conflict
from hub.services.exchange import clients, shares
from hub.settings import Settings


def _caller(session: Session, settings: Settings, org: str) -> clients.Caller:
    issued = clients.create_client(session=session, org_code=org, name="t")
    token = clients.issue_token(
        session=session, settings=settings, client_id=issued.id, client_secret=issued.secret
    )
    return clients.authenticate(session=session, settings=settings, token=token.access_token)


def test_list_requests_overdue_names_late_pending_request(
    session: Session, settings: Settings
) -> None:
    city = _caller(session, settings, "320600")
    late = shares.submit(
        session=session, settings=settings, caller=city, dataset="teachers", purpose="p",
        legal_basis="b", fields=[], period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
        now=datetime(2026, 10, 1, 9, tzinfo=UTC),
    )  # fmt: skip
    assert late.due_on == date(2026, 10, 15)
    shares.submit(
        session=session, settings=settings, caller=city, dataset="teachers", purpose="p",
        legal_basis="b", fields=[], period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
        now=datetime(2026, 10, 14, 9, tzinfo=UTC),
    )  # fmt: skip
    overdue = shares.list_requests(
        session=session, caller=city, overdue=True, today=date(2026, 10, 20)
    )
    assert [r.id for r in overdue] == [late.id]


def test_submit_share_request_refused_for_unconditional_dataset(
    session: Session, settings: Settings
) -> None:
    city = _caller(session, settings, "320600")
    with pytest.raises(Conflict, match="有条件共享"):
        shares.submit(
            session=session, settings=settings, caller=city, dataset="schools", purpose="p",
            legal_basis="b", fields=[], period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
        )  # fmt: skip
