"""Reports: the ledger and gap counts agree with the factory data; the HTML stands alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from hub.errors import Invalid
from hub.gis.indicator_queries import oversized_ledger
from hub.services import reports
from hub.settings import Settings
from tests.conftest import make_settings
from tests.gis.conftest import boundary_cache
from tests.gis.factories import Province, make_province

K12 = ("21", "31", "34")


@pytest.fixture
def report_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(database_url, boundary_cache(tmp_path_factory))


@pytest.fixture
def province(session: Session) -> Province:
    return make_province(session, counties=("320102", "320583"))


def test_oversized_ledger_lists_schools_with_56_plus(session: Session, province: Province) -> None:
    k12 = {s["code"] for s in province.schools if s["school_type"][:2] in K12}
    expected = {
        r["school_code"]: (r["b56_60"] + r["b61_65"], r["ge66"])
        for r in province.stats
        if r["year"] == 2026 and r["school_code"] in k12
        and r["b56_60"] + r["b61_65"] + r["ge66"] > 0
    }  # fmt: skip
    ledger = oversized_ledger(session, 2026)
    assert {r["code"]: (r["b56_65_now"], r["ge66_now"]) for r in ledger} == expected


def test_report_context_counts_the_aid_gap(
    session: Session, report_settings: Settings, province: Province
) -> None:
    context = reports.report_context(
        session=session, settings=report_settings, period="2026Q3", draw=False
    )
    hashes = {h["child_id_hash"] for h in province.poor if not h.get("is_deleted")}
    paid = {
        a["xjh"] for a in province.aid if not a["is_deleted"] and a["school_year"] == "2026-2027"
    }
    live = [s for s in province.students if not s["is_deleted"]]
    expected = sum(s["id_hash"] in hashes and s["xjh"] not in paid for s in live)
    assert context["gap_total"] == expected
    assert sum(n for _, _, n in context["gap_by_county"]) == expected


def test_build_report_writes_self_contained_html(
    session: Session, report_settings: Settings, province: Province, tmp_path: Path
) -> None:
    path = reports.build_report(
        session=session, settings=report_settings, period="2026Q3", out=tmp_path / "r.html"
    )
    html = path.read_text(encoding="utf-8")
    assert "大班额台账" in html
    assert "data:image/png;base64," in html
    assert 'src="http' not in html
    assert 'href="http' not in html


def test_build_report_rejects_non_quarter(session: Session, report_settings: Settings) -> None:
    with pytest.raises(Invalid, match="quarter"):
        reports.build_report(session=session, settings=report_settings, period="2026")
