"""Migration 0007 fills the publish date and keywords of versions published before it."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from catalog.tables import CatalogSearchKeyword, CatalogSearchRow
from hub.services import system
from hub.settings import Settings
from tests.catalog.factories import publish, shipped_entries


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
