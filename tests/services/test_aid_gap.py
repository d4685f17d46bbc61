"""The aid gap equals the set computed independently from the factory records."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from hub.errors import Forbidden
from hub.services.aid_gap import aid_gap, gap_counts
from tests.gis.factories import Province, make_province


def _expected(p: Province, school_year: str) -> set[str]:
    hashes = {h["child_id_hash"] for h in p.poor if not h.get("is_deleted")}
    paid = {a["xjh"] for a in p.aid if not a["is_deleted"] and a["school_year"] == school_year}
    return {
        s["xjh"]
        for s in p.students
        if not s["is_deleted"] and s["id_hash"] in hashes and s["xjh"] not in paid
    }


@pytest.fixture
def province(session: Session) -> Province:
    return make_province(session)


@pytest.mark.parametrize("school_year", ["2025-2026", "2026-2027"])
def test_aid_gap_equals_independent_set(
    session: Session, province: Province, school_year: str
) -> None:
    gap = aid_gap(session=session, school_year=school_year, viewer="320000", province="32")
    assert {g.xjh for g in gap} == _expected(province, school_year)
    assert len(gap) == len({g.xjh for g in gap})


def test_aid_gap_city_viewer_sees_own_city_only(session: Session, province: Province) -> None:
    gap = aid_gap(session=session, school_year="2026-2027", viewer="320100", province="32")
    expected = {
        x for x in _expected(province, "2026-2027")
        if province.county_of(next(s for s in province.students if s["xjh"] == x)["school_code"])
        .startswith("3201")
    }  # fmt: skip
    assert {g.xjh for g in gap} == expected
    assert expected


def test_aid_gap_county_viewer_is_forbidden(session: Session, province: Province) -> None:
    with pytest.raises(Forbidden):
        aid_gap(session=session, school_year="2026-2027", viewer="320102", province="32")


def test_gap_counts_sum_to_the_list(session: Session, province: Province) -> None:
    gap = aid_gap(session=session, school_year="2026-2027", viewer="320000", province="32")
    counts = gap_counts(gap)
    assert sum(counts["county"].values()) == len(gap) == sum(counts["school"].values())
