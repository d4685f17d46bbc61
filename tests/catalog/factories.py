"""Catalog test helpers: a writable copy of the catalog, entries built from the shipped ones."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, or_, select
from sqlmodel import Session, col

from catalog.loader import PACKAGE_DIR, load_catalog
from catalog.model import Entry
from catalog.tables import CatalogSearchRow, CatalogSearchText
from hub.services import catalog as service
from hub.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def shipped_entries() -> list[Entry]:
    return load_catalog().entries


def shipped_entry(resource_id: str) -> Entry:
    return next(e for e in shipped_entries() if e.id == resource_id)


def variant(resource_id: str, **changes: Any) -> Entry:
    """A shipped entry with some top-level fields replaced (validated again)."""
    raw = shipped_entry(resource_id).model_dump(mode="json")
    raw.update(changes)
    return Entry.model_validate(raw)


def copy_catalog(dest: Path) -> Path:
    """entries/ and registry.yaml copied to ``dest`` (a catalog_dir that tests may edit)."""
    shutil.copytree(PACKAGE_DIR / "entries", dest / "entries")
    shutil.copy(PACKAGE_DIR / "registry.yaml", dest / "registry.yaml")
    return dest


def edit_entry(root: Path, resource_id: str, **changes: Any) -> None:
    path = root / "entries" / f"{resource_id}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.update(changes)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def publish(engine: Engine, settings: Settings, version: str = "1.0") -> None:
    with Session(engine) as session:
        service.publish(session=session, settings=settings, version=version)


# the columns catalog_search_text repeats from catalog_search (migration 0009)
REPEATED = ("version", "code", "resource_id", "name", "published")


def stale_text_rows(session: Session) -> list[int]:
    """Search ids whose text row lacks, or differs from, its search row in a repeated column."""
    differs = [
        col(getattr(CatalogSearchText, c)).is_distinct_from(col(getattr(CatalogSearchRow, c)))
        for c in REPEATED
    ]
    query = select(col(CatalogSearchRow.id)).outerjoin(
        CatalogSearchText, col(CatalogSearchText.search_id) == col(CatalogSearchRow.id)
    )
    return [int(i) for i in session.execute(query.where(or_(*differs))).scalars()]


def shapes_dir() -> Path:
    """../shared/standards/dcat-ap-shacl/3.0.1 beside the clone, as CI lays it out."""
    path = REPO.parent / "shared" / "standards" / "dcat-ap-shacl" / "3.0.1"
    if not (path / "dcat-ap-SHACL.ttl").is_file():
        raise FileNotFoundError(
            f"DCAT-AP SHACL shapes not found at {path}: check out the shared/ folder beside "
            "the repository (shared/standards/dcat-ap-shacl/3.0.1/dcat-ap-SHACL.ttl)"
        )
    return path
