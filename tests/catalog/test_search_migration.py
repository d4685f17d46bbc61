"""Migrations 0007 and 0009 fill in what versions published before them lack: publish dates
and keywords (0007), the columns catalog_search_text repeats from catalog_search (0009)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from catalog.tables import CatalogSearchKeyword, CatalogSearchRow
from hub.services import catalog, system
from hub.services.catalog import search_text
from hub.settings import Settings
from tests.catalog.factories import publish, shipped_entries, stale_text_rows


def test_downgrade_then_upgrade_refills_dates_and_keywords(
    engine: Engine, settings: Settings
) -> None:
    publish(engine, settings, "1.0")
    assert system.downgrade(engine=engine, revision="0006") == "0006"
    head = system.revisions(engine=engine)[1]
    assert system.upgrade(engine=engine) == head
    with Session(engine) as session:
        query = select(col(CatalogSearchRow.resource_id), col(CatalogSearchRow.published))
        dates = {str(r): p for r, p in session.execute(query).all()}
        keywords = session.execute(
            select(func.count()).select_from(CatalogSearchKeyword)
        ).scalar_one()
    entries = shipped_entries()
    assert dates == {e.id: e.published for e in entries}
    assert keywords == sum(len(set(e.keywords)) for e in entries)


def test_downgrade_then_upgrade_refills_text_sort_columns(
    engine: Engine, settings: Settings
) -> None:
    publish(engine, settings, "1.0")
    assert system.downgrade(engine=engine, revision="0008") == "0008"
    assert system.upgrade(engine=engine) == system.revisions(engine=engine)[1]
    with Session(engine) as session:
        assert stale_text_rows(session) == []
        # the FTS5 tables (SQLite) and GIN indexes (PostgreSQL) still answer
        page = catalog.list_resources(session=session, q="学籍 registry", limit=100)
    expected = [
        e.id
        for e in sorted(shipped_entries(), key=lambda e: e.code)
        if "学籍" in search_text(e) and "registry" in search_text(e).lower()
    ]
    assert [r.id for r in page.data] == expected
    assert expected
