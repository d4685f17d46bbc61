"""The resource catalog as a service: validate, publish versions, list, search, show, diff, export.

The YAML entries are the editable source; the database holds what has been published. Every
read (API, CKAN, exports) serves a published version, so what harvesters see only changes when
someone publishes, and old versions stay readable.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from catalog.codes import Registry
from catalog.diff import CatalogDiff, diff_entries
from catalog.loader import PACKAGE_DIR, LoadedCatalog, load_catalog
from catalog.model import Entry
from catalog.renderers import RENDERERS, ExportContext
from catalog.tables import (
    CatalogEntryRow,
    CatalogSearchKeyword,
    CatalogSearchRow,
    CatalogSearchText,
    CatalogVersion,
)
from hub.errors import Conflict, Invalid, NotFound
from hub.settings import Settings
from hub.storage.catalog_index import (
    SORTS,
    Filters,
    bigrams_of,
    refresh_statistics,
    search_rows,
)

VERSION = re.compile(r"^(\d{1,3})\.(\d{1,3})$")
MAX_PAGE = 1000


class ResourceSummary(BaseModel):
    """One line of a catalog listing."""

    code: str
    id: str
    name: str
    provider: str
    provider_code: str
    classification_code: str
    sharing_type: str
    open: bool
    update_cycle: str
    format: str


class ResourcePage(BaseModel):
    version: str
    count: int
    data: list[ResourceSummary]


class VersionInfo(BaseModel):
    version: str
    published_at: datetime
    entry_count: int
    digest: str
    note: str


def version_key(version: str) -> tuple[int, int]:
    match = VERSION.match(version)
    if match is None:
        raise Invalid(f"version {version!r} must look like 1.0 or 1.12")
    return int(match.group(1)), int(match.group(2))


def validate(*, settings: Settings) -> LoadedCatalog:
    """Load the editable catalog and run every rule (problems are reported, not raised)."""
    return load_catalog(settings.catalog_dir)


def issue_code(*, settings: Settings, classification: str, resource: str, on: date) -> str:
    """Issue the next code of ``classification`` to ``resource`` and save the registry."""
    if not re.fullmatch(r"\d{8}", classification):
        raise Invalid(f"分类码 {classification!r} must be 8 digits (类1 项2 目3 细目2)")
    root = settings.catalog_dir or PACKAGE_DIR
    registry = Registry.load(root / "registry.yaml")
    try:
        code = registry.issue(classification, resource, on)
    except ValueError as exc:
        raise Conflict(str(exc)) from exc
    registry.save()
    return code


def search_text(entry: Entry) -> str:
    """What full-text search looks at: names, abstracts, keywords, classification, items."""
    parts = [
        entry.code,
        entry.id,
        entry.name,
        entry.name_en,
        entry.abstract,
        entry.abstract_en,
        entry.provider.name,
        entry.provider.department,
        entry.classification.category_name,
        entry.classification.subcategory_name,
        *entry.keywords,
        *(item.name for item in entry.items),
    ]
    return "\n".join(p for p in parts if p)


def _search_row(version: str, entry: Entry) -> CatalogSearchRow:
    return CatalogSearchRow(
        version=version,
        code=entry.code,
        resource_id=entry.id,
        name=entry.name,
        provider_code=entry.provider.code,
        provider_name=entry.provider.name,
        classification_code=entry.classification.code,
        sharing_type=entry.sharing.type.value,
        is_open=entry.openness.open,
        update_cycle=entry.update_cycle.value,
        format_category=entry.format.category.value,
        format_type=entry.format.type,
        published=entry.published,
    )


def _search_text_row(row: CatalogSearchRow, entry: Entry) -> CatalogSearchText:
    """The text of ``entry``, with the version and sort columns copied from its search row."""
    text_ = search_text(entry).lower()
    return CatalogSearchText(
        search_id=int(row.id or 0),
        search_text=text_,
        search_bigrams=" ".join(bigrams_of(text_)),
        version=row.version,
        code=row.code,
        resource_id=row.resource_id,
        name=row.name,
        published=row.published,
        notes=entry.abstract.lower(),
    )


def _digest(snapshot: list[dict[str, Any]]) -> str:
    return hashlib.sha256(orjson.dumps(snapshot, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _info(row: CatalogVersion) -> VersionInfo:
    return VersionInfo.model_validate(row, from_attributes=True)


def publish_entries(
    *, session: Session, version: str, entries: list[Entry], note: str = ""
) -> VersionInfo:
    """Freeze ``entries`` as ``version``: it must be new, higher, different, and reuse no code."""
    key = version_key(version)
    if _exists(session, version):
        raise Conflict(f"catalog version {version} is already published; versions are frozen")
    latest = _latest_row(session)
    if latest is not None and key <= version_key(latest[0]):
        raise Conflict(f"version {version} must be higher than the latest, {latest[0]}")
    snapshot = [e.model_dump(mode="json") for e in sorted(entries, key=lambda e: e.code)]
    digest = _digest(snapshot)
    if latest is not None and latest[1] == digest:
        raise Conflict(f"nothing changed since version {latest[0]}")
    holders: dict[str, str] = dict(
        session.execute(
            sa_select(col(CatalogSearchRow.code), col(CatalogSearchRow.resource_id)).distinct()
        ).all()
    )
    for entry in entries:
        holder = holders.get(entry.code)
        if holder is not None and holder != entry.id:
            raise Conflict(
                f"code {entry.code} was published for {holder!r}; codes are never reused",
            )
    row = CatalogVersion(
        version=version, entry_count=len(entries), digest=digest, note=note, snapshot=snapshot
    )
    session.add(row)
    session.flush()
    search = [_search_row(version, e) for e in entries]
    session.add_all(search)
    session.flush()
    for r, e in zip(search, entries, strict=True):
        search_id = int(r.id or 0)
        session.add(_search_text_row(r, e))
        session.add(CatalogEntryRow(search_id=search_id, entry=e.model_dump(mode="json")))
        session.add_all(
            CatalogSearchKeyword(search_id=search_id, keyword=k) for k in dict.fromkeys(e.keywords)
        )
    session.commit()
    refresh_statistics(session)
    session.commit()
    return VersionInfo(
        version=version,
        published_at=row.published_at,
        entry_count=row.entry_count,
        digest=digest,
        note=note,
    )


def publish(*, session: Session, settings: Settings, version: str, note: str = "") -> VersionInfo:
    """Validate the editable catalog and publish it as ``version``."""
    version_key(version)
    loaded = validate(settings=settings)
    if not loaded.ok:
        raise Invalid(
            f"the catalog has {len(loaded.problems)} problem(s); run `eduhub catalog validate`",
            problems=[str(p) for p in loaded.problems],
        )
    return publish_entries(session=session, version=version, entries=loaded.entries, note=note)


def _latest_row(session: Session) -> tuple[str, str] | None:
    """(version, digest) of the latest version; the snapshot itself is not loaded."""
    rows = session.execute(sa_select(col(CatalogVersion.version), col(CatalogVersion.digest))).all()
    if not rows:
        return None
    version, digest = max(rows, key=lambda r: version_key(r[0]))
    return str(version), str(digest)


def _exists(session: Session, version: str) -> bool:
    query = select(CatalogVersion.version).where(CatalogVersion.version == version)
    return session.exec(query).first() is not None


def list_versions(*, session: Session) -> list[VersionInfo]:
    rows = session.execute(
        sa_select(
            col(CatalogVersion.version),
            col(CatalogVersion.published_at),
            col(CatalogVersion.entry_count),
            col(CatalogVersion.digest),
            col(CatalogVersion.note),
        )
    ).all()
    infos = [
        VersionInfo(version=v, published_at=p, entry_count=n, digest=d, note=note)
        for v, p, n, d, note in rows
    ]
    return sorted(infos, key=lambda i: version_key(i.version))


def resolve_version(*, session: Session, version: str | None = None) -> str:
    """``version`` if published, else the latest; NotFound when there is nothing to serve."""
    if version is not None:
        version_key(version)
        if not _exists(session, version):
            raise NotFound(f"catalog version {version} has not been published")
        return version
    versions = list(session.exec(select(CatalogVersion.version)).all())
    if not versions:
        raise NotFound("no catalog version is published yet: run `eduhub catalog publish`")
    return max(versions, key=version_key)


def _summary(row: CatalogSearchRow) -> ResourceSummary:
    return ResourceSummary(
        code=row.code,
        id=row.resource_id,
        name=row.name,
        provider=row.provider_name,
        provider_code=row.provider_code,
        classification_code=row.classification_code,
        sharing_type=row.sharing_type,
        open=row.is_open,
        update_cycle=row.update_cycle,
        format=f"{row.format_category}/{row.format_type}",
    )


def search_resources(
    *,
    session: Session,
    q: str | None = None,
    filters: Filters | None = None,
    version: str | None = None,
    sort: str = "code",
    limit: int = 20,
    offset: int = 0,
) -> tuple[str, int, list[CatalogSearchRow]]:
    """(version, total, rows of one page) matching the filters and every term of ``q``."""
    if sort not in SORTS:
        raise Invalid(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    if not 0 <= limit <= MAX_PAGE or offset < 0:
        raise Invalid(f"limit must be within 0..{MAX_PAGE} and offset not negative")
    resolved = resolve_version(session=session, version=version)
    total, rows = search_rows(
        session,
        version=resolved,
        filters=filters or Filters(),
        q=q,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return resolved, total, rows


def list_resources(
    *,
    session: Session,
    q: str | None = None,
    filters: Filters | None = None,
    version: str | None = None,
    sort: str = "code",
    limit: int = 20,
    offset: int = 0,
) -> ResourcePage:
    resolved, total, rows = search_resources(
        session=session,
        q=q,
        filters=filters,
        version=version,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return ResourcePage(version=resolved, count=total, data=[_summary(r) for r in rows])


def show_resource(*, session: Session, key: str, version: str | None = None) -> Entry:
    """One resource of a version, by code (30700102/001) or id (students)."""
    resolved = resolve_version(session=session, version=version)
    key_column = CatalogSearchRow.code if "/" in key else CatalogSearchRow.resource_id
    query = (
        select(CatalogEntryRow.entry)
        .join(CatalogSearchRow, col(CatalogSearchRow.id) == col(CatalogEntryRow.search_id))
        .where(CatalogSearchRow.version == resolved, key_column == key)
    )
    raw = session.exec(query).first()
    if raw is None:
        raise NotFound(f"no resource {key!r} in catalog version {resolved}")
    return Entry.model_validate(raw)


def entries_for(*, session: Session, rows: list[CatalogSearchRow]) -> list[Entry]:
    """The full entries of some search rows, in the rows' order."""
    ids = [r.id for r in rows if r.id is not None]
    found = session.exec(
        select(CatalogEntryRow).where(col(CatalogEntryRow.search_id).in_(ids))
    ).all()
    by_id = {e.search_id: e.entry for e in found}
    return [Entry.model_validate(by_id[i]) for i in ids]


def entries_of(*, session: Session, version: str | None = None) -> tuple[str, list[Entry]]:
    """Every entry of a version (for exports and diffs), in code order."""
    resolved = resolve_version(session=session, version=version)
    rows = session.exec(
        select(CatalogEntryRow.entry)
        .join(CatalogSearchRow, col(CatalogSearchRow.id) == col(CatalogEntryRow.search_id))
        .where(CatalogSearchRow.version == resolved)
        .order_by(col(CatalogSearchRow.code))
    ).all()
    return resolved, [Entry.model_validate(r) for r in rows]


def diff_versions(*, session: Session, old: str, new: str) -> CatalogDiff:
    old_v, old_entries = entries_of(session=session, version=old)
    new_v, new_entries = entries_of(session=session, version=new)
    return diff_entries(old_entries, new_entries, old_version=old_v, new_version=new_v)


class Export(BaseModel):
    content: bytes
    media_type: str
    filename: str


def export(*, session: Session, settings: Settings, fmt: str, version: str | None = None) -> Export:
    """A published version in one of the export formats (xlsx, csv, json, ttl, jsonld)."""
    if fmt not in RENDERERS:
        raise Invalid(f"unknown export format {fmt!r}: use one of {', '.join(RENDERERS)}")
    resolved, entries = entries_of(session=session, version=version)
    renderer = RENDERERS[fmt]()
    context = ExportContext(version=resolved, base_uri=settings.catalog_base_uri)
    return Export(
        content=renderer.render(entries, context),
        media_type=renderer.media_type,
        filename=f"eduhub-catalog-{resolved}.{renderer.extension}",
    )
