"""The CKAN action API (read side) over the latest published catalog version.

CKAN clients send Solr-style ``fq`` filters; the fields understood here are listed in
``FQ_FIELDS`` (anything else is refused rather than silently ignored). ``tags:<word>`` is
answered by full-text search of the keyword, an approximation documented in docs/catalog.md.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlmodel import Session

from catalog.model import Entry
from catalog.renderers.base import ExportContext
from catalog.renderers.ckan import CkanPackages, organization_id, organization_name, package_id
from hub.errors import Invalid, NotFound
from hub.services.catalog import entries_for, entries_of, search_resources
from hub.settings import Settings
from hub.storage.catalog_index import Filters

CKAN_VERSION = "2.10.4"
MAX_ROWS = 1000
FQ_TERM = re.compile(r'\+?([A-Za-z_]+):("([^"]*)"|\S+)')
FQ_FIELDS = {
    "organization": "provider",
    "res_format": "format",
    "name": "resource_ids",
    "tags": "q",
    "sharing_type": "sharing_type",
    "catalog_sharing_type": "sharing_type",
    "open": "is_open",
    "catalog_open": "is_open",
    "update_cycle": "update_cycle",
    "catalog_update_cycle": "update_cycle",
    "classification": "classification",
    "catalog_classification_code": "classification",
}
CKAN_SORTS = {
    "name asc": "id asc",
    "name desc": "id desc",
    "title asc": "name asc",
    "title desc": "name desc",
    "title_string asc": "name asc",
    "title_string desc": "name desc",
}
TRUE = {"true", "1", "是", "yes"}


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


def parse_fq(fq: str | None) -> tuple[Filters, list[str]]:
    """(filters, extra full-text terms) of a Solr-style filter query."""
    values: dict[str, Any] = {}
    terms: list[str] = []
    rest = FQ_TERM.sub("", fq or "").strip()
    if rest:
        raise Invalid(f"cannot read fq near {rest!r}: use field:value pairs")
    for match in FQ_TERM.finditer(fq or ""):
        field, value = match.group(1), match.group(3) or match.group(2)
        target = FQ_FIELDS.get(field)
        if target is None:
            raise Invalid(f"unsupported fq field {field!r}: use {', '.join(sorted(FQ_FIELDS))}")
        if target == "q":
            terms.append(value)
        elif target == "provider":
            values["provider"] = value.upper()
        elif target == "is_open":
            values["is_open"] = value.lower() in TRUE
        elif target == "resource_ids":
            values["resource_ids"] = (value,)
        else:
            values[target] = value
    return Filters(**values), terms


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
    filters, extra_terms = parse_fq(fq)
    text = " ".join(t for t in [q if q not in (None, "*:*") else None, *extra_terms] if t)
    our_sort = CKAN_SORTS.get((sort or "").strip().lower(), "code")
    version, total, found = search_resources(
        session=session, q=text or None, filters=filters, sort=our_sort, limit=rows, offset=start
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
