"""Searches by text alone count and order on catalog_search_text's copies of the search
rows' columns (on PostgreSQL); they must give what the same search through catalog_search gives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from catalog.model import Entry
from hub.services import catalog
from hub.storage.catalog_index import Contains, Filters, search_rows
from tests.catalog.factories import shipped_entries, stale_text_rows, variant

# sorts whose order the changes below move: code, name, resource id, publish date
SORTS = ("code", "name", "name desc", "id desc", "published", "published desc")
PAGES = ((100, 0), (3, 0), (3, 2), (3, 99))


def _changed() -> list[Entry]:
    """Version 1.1: students renamed and dated back, classes renamed, the last two (by code)
    of the 学籍 and 教育 matches re-dated, teachers withdrawn."""
    changes: dict[str, dict[str, str]] = {
        "students": {"name": "学籍信息（学生）", "published": "2026-01-15"},
        "classes": {"name": "班级与大班额"},
        "health_tests": {"published": "2027-03-01"},
        "open_ict_by_county": {"published": "2027-06-30"},
    }
    return [
        variant(e.id, **changes[e.id]) if e.id in changes else e
        for e in shipped_entries()
        if e.id != "teachers"
    ]


@pytest.fixture
def two_versions(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        catalog.publish_entries(session=session, version="1.0", entries=shipped_entries())
        catalog.publish_entries(session=session, version="1.1", entries=_changed())
        yield session


def test_publish_copies_search_columns_to_text_rows(two_versions: Session) -> None:
    assert stale_text_rows(two_versions) == []


def _found(
    session: Session, filters: Filters, q: str | None, page: tuple[str, str, int, int]
) -> tuple[int, list[int | None]]:
    version, sort, limit, offset = page
    total, rows = search_rows(
        session, version=version, filters=filters, q=q, sort=sort, limit=limit, offset=offset
    )
    return total, [r.id for r in rows]


@pytest.mark.parametrize("q", ["学籍", "学籍号", "教育 信息化", "班额", "registry"])
def test_text_only_search_agrees_with_joined_search(two_versions: Session, q: str) -> None:
    """The same text as a condition takes the path that joins every match to its search row."""
    for version in ("1.0", "1.1"):
        for sort in SORTS:
            for limit, offset in PAGES:
                page = (version, sort, limit, offset)
                alone = _found(two_versions, Filters(), q, page)
                joined = _found(two_versions, Filters(condition=Contains(q)), None, page)
                assert alone == joined, page
                assert alone[0] > 0
