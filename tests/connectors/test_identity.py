"""One person across sources: aid and health records name registry pupils by 学籍号; registered
poor households find their pupil through the keyed hash of the ID number, never the number."""

from __future__ import annotations

from sqlalchemy import select

from connectors.identity import known_students, students_by_hash
from schemas import AidPayment, HealthTest, PoorHousehold, Student
from tests.connectors.conftest import Pulled


def test_every_aid_payment_and_health_test_names_a_registry_pupil(pulled: Pulled) -> None:
    with pulled.engine.connect() as conn:
        for model in (AidPayment, HealthTest):
            table = model.__table__  # type: ignore[union-attr]
            xjhs = set(conn.execute(select(table.c.xjh)).scalars())
            assert xjhs
            assert known_students(conn, xjhs) == xjhs


def test_poor_households_match_pupils_by_keyed_hash(pulled: Pulled) -> None:
    households = PoorHousehold.__table__  # type: ignore[attr-defined]
    students = Student.__table__  # type: ignore[attr-defined]
    with pulled.engine.connect() as conn:
        hashes = set(conn.execute(select(households.c.child_id_hash)).scalars())
        matched = students_by_hash(conn, hashes)
        flags = set(
            conn.execute(
                select(students.c.poor_household).where(students.c.xjh.in_(list(matched.values())))
            ).scalars()
        )
    assert len(matched) >= 0.9 * len(hashes)  # the rest are pupils the registry quarantined
    assert flags == {True}  # the registry's 是否建档立卡贫困户 agrees with the household list
