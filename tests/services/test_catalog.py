"""Publishing, versions, diffs and Chinese search of the catalog, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from catalog.model import Entry
from hub.errors import Conflict, Invalid, NotFound
from hub.services import catalog
from hub.services.catalog import search_text
from hub.settings import Settings
from hub.storage.catalog_index import Filters
from tests.catalog.factories import copy_catalog, edit_entry, shipped_entries, variant


@pytest.fixture
def own_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Settings whose catalog_dir is a writable copy of the shipped catalog."""
    root = copy_catalog(tmp_path / "catalog")
    return settings.model_copy(update={"catalog_dir": root})


@pytest.fixture
def published(engine: Engine, own_settings: Settings) -> Iterator[Session]:
    with Session(engine) as session:
        catalog.publish(session=session, settings=own_settings, version="1.0")
        yield session


def test_publish_change_publish_diff_lists_exactly_that_change(
    published: Session, own_settings: Settings
) -> None:
    assert own_settings.catalog_dir is not None
    edit_entry(own_settings.catalog_dir, "schools", update_cycle="每周")
    catalog.publish(session=published, settings=own_settings, version="1.1")
    diff = catalog.diff_versions(session=published, old="1.0", new="1.1")
    assert (diff.added, diff.removed) == ([], [])
    assert [(c.id, [(f.field, f.old, f.new) for f in c.fields]) for c in diff.changed] == [
        ("schools", [("update_cycle", "每日", "每周")])
    ]
    assert diff.changed[0].items.empty


def test_diff_lists_changed_info_item(published: Session, own_settings: Settings) -> None:
    assert own_settings.catalog_dir is not None
    items = [i.model_dump(mode="json") for i in variant("teachers").items]
    items[1]["name"] = "教职工姓名"
    edit_entry(own_settings.catalog_dir, "teachers", items=items)
    catalog.publish(session=published, settings=own_settings, version="1.1")
    diff = catalog.diff_versions(session=published, old="1.0", new="1.1")
    assert [c.id for c in diff.changed] == ["teachers"]
    assert diff.changed[0].fields == []
    assert {k: [f.new for f in v] for k, v in diff.changed[0].items.changed.items()} == {
        "name": ["教职工姓名"]
    }


def test_old_version_stays_readable(published: Session, own_settings: Settings) -> None:
    assert own_settings.catalog_dir is not None
    edit_entry(own_settings.catalog_dir, "students", name="学生学籍信息")
    catalog.publish(session=published, settings=own_settings, version="1.1")
    old = catalog.show_resource(session=published, key="students", version="1.0")
    new = catalog.show_resource(session=published, key="students")
    assert (old.name, new.name) == ("中小学学生学籍信息", "学生学籍信息")
    assert [v.version for v in catalog.list_versions(session=published)] == ["1.0", "1.1"]


def test_publish_refuses_existing_version(published: Session, own_settings: Settings) -> None:
    with pytest.raises(Conflict, match="already published"):
        catalog.publish(session=published, settings=own_settings, version="1.0")


def test_publish_refuses_lower_version(published: Session, own_settings: Settings) -> None:
    assert own_settings.catalog_dir is not None
    edit_entry(own_settings.catalog_dir, "schools", update_cycle="每周")
    with pytest.raises(Conflict, match="higher"):
        catalog.publish(session=published, settings=own_settings, version="0.9")


def test_publish_refuses_unchanged_catalog(published: Session, own_settings: Settings) -> None:
    with pytest.raises(Conflict, match="nothing changed"):
        catalog.publish(session=published, settings=own_settings, version="1.1")


def test_publish_refuses_invalid_catalog(engine: Engine, own_settings: Settings) -> None:
    assert own_settings.catalog_dir is not None
    sharing = variant("students").sharing.model_dump(mode="json")
    edit_entry(
        own_settings.catalog_dir, "students", sharing={**sharing, "type": "不予共享", "basis": ""}
    )
    with Session(engine) as session, pytest.raises(Invalid) as info:
        catalog.publish(session=session, settings=own_settings, version="1.0")
    assert any("catalog.sharing_basis" in p for p in info.value.extra["problems"])


def test_publish_refuses_code_reused_by_another_resource(published: Session) -> None:
    entries = [e for e in shipped_entries() if e.id != "teachers"]
    teachers_code = next(e.code for e in shipped_entries() if e.id == "teachers")
    newcomer = variant("classes", id="class_rolls", code=teachers_code, related=[])
    with pytest.raises(Conflict, match="never reused"):
        catalog.publish_entries(session=published, version="1.1", entries=[*entries, newcomer])


def test_list_before_publication_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="no catalog version"):
        catalog.list_resources(session=session)


def _expected(*terms: str) -> set[str]:
    return {
        e.id for e in shipped_entries() if all(t.lower() in search_text(e).lower() for t in terms)
    }


@pytest.mark.parametrize(
    ("q", "must_include"),
    [
        ("学籍", "students"),
        ("大班额", "class_size_stats"),
        ("班额", "open_class_size_by_county"),
        ("学籍号", "aid_payments"),
        ("体质", "health_tests"),
        ("教育 信息化", "ict_surveys"),
        ("信息化 教育", "ict_surveys"),
        ("班额 教育", "class_size_stats"),
        ("大班额 教育事业", "class_size_stats"),
        ("学籍 身份证件号", "students"),
        ("班额 县 ", "open_class_size_by_county"),
        ("registry", "students"),
        ("GB/T 2260", "regions"),
    ],
)
def test_search_finds_chinese_partial_words(published: Session, q: str, must_include: str) -> None:
    page = catalog.list_resources(session=published, q=q, limit=100)
    found = {r.id for r in page.data}
    assert must_include in found
    assert found == _expected(*q.split())
    assert page.count == len(found)


def test_search_without_match_is_empty(published: Session) -> None:
    assert catalog.list_resources(session=published, q="不存在的资源").count == 0


def test_search_treats_like_wildcards_literally(published: Session) -> None:
    assert catalog.list_resources(session=published, q="%").count == len(_expected("%"))


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        (Filters(sharing_type="有条件共享"), lambda e: e.sharing.type.value == "有条件共享"),
        (Filters(is_open=True), lambda e: e.openness.open),
        (Filters(update_cycle="每年"), lambda e: e.update_cycle.value == "每年"),
        (Filters(format="XLSX"), lambda e: e.format.type == "XLSX"),
        (Filters(classification="307001"), lambda e: e.code.startswith("307001")),
        (Filters(provider="320000-MZT"), lambda e: e.provider.code == "320000-MZT"),
    ],
)
def test_filters_select_matching_resources(
    published: Session, filters: Filters, keep: Callable[[Entry], bool]
) -> None:
    page = catalog.list_resources(session=published, filters=filters, limit=100)
    assert {r.id for r in page.data} == {e.id for e in shipped_entries() if keep(e)}
    assert page.count > 0


def test_search_combines_text_and_filter(published: Session) -> None:
    page = catalog.list_resources(session=published, q="班额", filters=Filters(is_open=True))
    assert [r.id for r in page.data] == ["open_class_size_by_county"]
