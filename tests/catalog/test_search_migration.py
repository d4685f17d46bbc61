"""Migrations 0007, 0009 and 0012 fill in what versions published before them lack: publish
dates and keywords (0007), the columns catalog_search_text repeats from catalog_search (0009),
the abstract for CKAN's notes (0012)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from catalog.tables import CatalogSearchKeyword, CatalogSearchRow, CatalogSearchText
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


def test_downgrade_then_upgrade_refills_notes(engine: Engine, settings: Settings) -> None:
    publish(engine, settings, "1.0")
    assert system.downgrade(engine=engine, revision="0011") == "0011"
    assert system.upgrade(engine=engine) == system.revisions(engine=engine)[1]
    with Session(engine) as session:
        query = select(col(CatalogSearchRow.resource_id), col(CatalogSearchText.notes)).join(
            CatalogSearchText, col(CatalogSearchText.search_id) == col(CatalogSearchRow.id)
        )
        notes = {str(r): n for r, n in session.execute(query).all()}
    assert notes == {e.id: e.abstract.lower() for e in shipped_entries()}
    assert any(n != n.upper() for n in notes.values())  # some abstracts hold Latin letters
