"""Share-request deadlines: 10 working days, overdue requests listed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from hub.errors import Conflict
from hub.services.exchange import clients, shares, workdays
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
    # filed on National Day: 10 October (a Saturday) is worked in lieu, 1-7 October are not
    assert late.due_on == date(2026, 10, 20)
    shares.submit(
        session=session, settings=settings, caller=city, dataset="teachers", purpose="p",
        legal_basis="b", fields=[], period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
        now=datetime(2026, 10, 14, 9, tzinfo=UTC),
    )  # fmt: skip
    overdue = shares.list_requests(
        session=session, caller=city, overdue=True, today=date(2026, 10, 21)
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


def test_deadline_skips_national_day_and_counts_the_saturday_worked_in_lieu() -> None:
    # Tuesday 29 September 2026: 30 Sep, 8, 9, 10 (Saturday, worked in lieu), 12-16, 19 Oct
    assert workdays.add_working_days(date(2026, 9, 29), 10) == date(2026, 10, 19)
    assert not workdays.is_working_day(date(2026, 10, 5))  # a Monday of the holiday
    assert workdays.is_working_day(date(2026, 10, 10))  # a Saturday worked in lieu


def test_deadline_date_is_china_s_date() -> None:
    # 23:30 UTC on 30 September is 07:30 on 1 October in China: the holiday has begun
    assert workdays.china_date(datetime(2026, 9, 30, 23, 30, tzinfo=UTC)) == date(2026, 10, 1)


def test_years_without_a_published_schedule_count_monday_to_friday() -> None:
    far = date(2099, 1, 1)  # a Thursday; no schedule is published this far ahead
    assert not workdays.has_schedule(far)
    assert workdays.add_working_days(far, 10) == date(2099, 1, 15)
    assert workdays.has_schedule(date(2026, 10, 1))
