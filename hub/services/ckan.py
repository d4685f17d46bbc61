"""The CKAN action API (read side) over the latest published catalog version.

CKAN clients send Solr-style ``fq`` filters; :mod:`hub.services.ckan_fq` reads them (fields it
does not know are refused, as Solr refuses an undefined field, rather than silently ignored).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlmodel import Session

from catalog.model import Entry
from catalog.renderers.base import ExportContext
from catalog.renderers.ckan import CkanPackages, organization_id, organization_name, package_id
from hub.errors import Invalid, NotFound
from hub.services.catalog import entries_for, entries_of, resolve_version, search_resources
from hub.services.ckan_fq import Context, read_fq
from hub.settings import Settings
from hub.storage.catalog_index import AllOf, Filters, provider_codes, resource_codes

CKAN_VERSION = "2.10.4"
MAX_ROWS = 1000
CKAN_SORTS = {
    "name asc": "id asc",
    "name desc": "id desc",
    "title asc": "name asc",
    "title desc": "name desc",
    "title_string asc": "name asc",
    "title_string desc": "name desc",
    "metadata_modified asc": "published asc",
    "metadata_modified desc": "published desc",
}


def status(*, settings: Settings) -> dict[str, Any]:
    return {
        "ckan_version": CKAN_VERSION,
        "site_title": "eduhub 江苏省教育数据交换平台",
        "site_description": "江苏省教育政务信息资源目录 (CKAN-compatible read API)",
        "site_url": settings.catalog_base_uri,
        "locale_default": "zh_Hans_CN",
        "extensions": ["eduhub_catalog"],
    }


def _packages(session: Session, settings: Settings) -> tuple[CkanPackages, list[Entry]]:
    version, entries = entries_of(session=session)
    return CkanPackages(ExportContext(version=version, base_uri=settings.catalog_base_uri)), entries


def package_list(*, session: Session, limit: int | None = None, offset: int = 0) -> list[str]:
    _, entries = entries_of(session=session)
    names = sorted(e.id for e in entries)
    return names[offset : offset + limit if limit is not None else None]


def package_show(*, session: Session, settings: Settings, id: str) -> dict[str, Any]:
    packages, entries = _packages(session, settings)
    for entry in entries:
        if id in (entry.id, entry.code, package_id(entry.code)):
            return packages.package(entry)
    raise NotFound(f"Dataset not found: {id}")


def search_filters(*, session: Session, version: str, queries: list[str]) -> Filters:
    """The catalog filters of CKAN ``fq`` (and fielded ``q``) strings, all of which must hold."""
    wanted = [f for f in queries if f.strip()]
    if not wanted:
        return Filters()
    # organization ids are UUIDs of the provider codes: worked out only when asked for
    asked = " ".join(wanted)
    codes = provider_codes(session, version=version) if "owner_org" in asked else []
    # package ids likewise, of the resource codes
    resources = resource_codes(session, version=version) if "id:" in asked else []
    context = Context(
        version=version,
        organizations={organization_id(c): c for c in codes},
        packages={package_id(c): c for c in resources},
    )
    conditions = tuple(c for f in wanted if (c := read_fq(f, context)) is not None)
    return Filters(condition=conditions[0] if len(conditions) == 1 else AllOf(conditions))


def package_search(
    *,
    session: Session,
    settings: Settings,
    q: str | None = None,
    fq: str | None = None,
    rows: int = 10,
    start: int = 0,
    sort: str | None = None,
) -> dict[str, Any]:
    if not 0 <= rows <= MAX_ROWS or start < 0:
        raise Invalid(f"rows must be within 0..{MAX_ROWS} and start not negative")
    served = resolve_version(session=session)
    text = None if q in (None, "", "*:*") else q
    # CKAN hands a q holding a colon to Solr as a fielded query (q=tags:学籍), read like fq
    fielded = text is not None and ":" in text
    queries = [fq or "", text or ""] if fielded else [fq or ""]
    filters = search_filters(session=session, version=served, queries=queries)
    our_sort = CKAN_SORTS.get((sort or "").strip().lower(), "code")
    version, total, found = search_resources(
        session=session,
        q=None if fielded else text,
        filters=filters,
        version=served,
        sort=our_sort,
        limit=rows,
        offset=start,
    )
    packages = CkanPackages(ExportContext(version=version, base_uri=settings.catalog_base_uri))
    results = [packages.package(e) for e in entries_for(session=session, rows=found)]
    return {
        "count": total,
        "sort": sort or "score desc, metadata_modified desc",
        "results": results,
        "facets": {},
        "search_facets": {},
    }


def organization_list(
    *, session: Session, settings: Settings, all_fields: bool = False
) -> list[Any]:
    packages, entries = _packages(session, settings)
    counts = Counter(e.provider.code for e in entries)
    providers = {e.provider.code: e.provider for e in entries}
    names = sorted(providers, key=organization_name)
    if not all_fields:
        return [organization_name(c) for c in names]
    return [packages.organization(providers[c], counts[c]) for c in names]


def organization_show(
    *, session: Session, settings: Settings, id: str, include_datasets: bool = False
) -> dict[str, Any]:
    packages, entries = _packages(session, settings)
    mine = [
        e
        for e in entries
        if id in (organization_name(e.provider.code), organization_id(e.provider.code))
        or id == e.provider.code
    ]
    if not mine:
        raise NotFound(f"Organization not found: {id}")
    org = packages.organization(mine[0].provider, len(mine))
    if include_datasets:
        org["packages"] = [packages.package(e) for e in mine]
    return org
