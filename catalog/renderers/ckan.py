"""CKAN package and organization dicts, so CKAN clients and harvesters read the catalog as-is.

Mapping: entry id → ``name``, 资源名称 → ``title``, 摘要 → ``notes``, 提供方 → organization
(name = 提供方代码 lower-cased), 关键词 → ``tags``, 格式 → one resource, every other element →
``extras`` (key ``catalog_*``). Ids are UUIDv5 of the resource code or provider code, so they
never change between versions.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from catalog.model import Entry, Provider
from catalog.renderers.base import ExportContext

NAMESPACE = uuid.UUID("6f1d6a52-4c1e-5b0e-9d55-8a0c3d2f7e10")


def package_id(code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"resource:{code}"))


def organization_name(provider_code: str) -> str:
    return provider_code.lower()


def organization_id(provider_code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"provider:{provider_code}"))


def _timestamp(entry: Entry) -> str:
    return datetime.combine(entry.published, time()).isoformat()


class CkanPackages:
    """Builds CKAN 2.10-shaped dicts from entries of one published version."""

    def __init__(self, context: ExportContext) -> None:
        self.context = context
        self.base = context.base_uri.rstrip("/")

    def organization(self, provider: Provider, package_count: int | None = None) -> dict[str, Any]:
        org: dict[str, Any] = {
            "id": organization_id(provider.code),
            "name": organization_name(provider.code),
            "title": provider.name,
            "display_name": provider.name,
            "description": provider.name_en,
            "type": "organization",
            "is_organization": True,
            "state": "active",
            "approval_status": "approved",
            "image_url": "",
            "created": "2026-01-01T00:00:00",
        }
        if package_count is not None:
            org["package_count"] = package_count
        return org

    def package(self, entry: Entry) -> dict[str, Any]:
        pid = package_id(entry.code)
        url = f"{self.base}/api/v1/catalog/resources/{entry.id}"
        tags = [
            {"name": k, "display_name": k, "state": "active", "vocabulary_id": None}
            for k in entry.keywords
        ]
        extras = {
            "catalog_code": entry.code,
            "catalog_version": self.context.version,
            "catalog_classification_code": entry.classification.code,
            "catalog_classification": "/".join(
                (entry.classification.category_name, entry.classification.subcategory_name)
            ),
            "catalog_provider_code": entry.provider.code,
            "catalog_format_category": entry.format.category.value,
            "catalog_sharing_type": entry.sharing.type.value,
            "catalog_sharing_condition": entry.sharing.condition,
            "catalog_sharing_basis": entry.sharing.basis,
            "catalog_open": "是" if entry.openness.open else "否",
            "catalog_open_condition": entry.openness.condition,
            "catalog_update_cycle": entry.update_cycle.value,
            "catalog_related": ",".join(entry.related),
            "catalog_info_items": ",".join(f"{i.name}:{i.data_type.value}" for i in entry.items),
            "catalog_personal_fields": ",".join(entry.personal_fields),
            "catalog_row_scope": entry.row_scope,
        }
        return {
            "id": pid,
            "name": entry.id,
            "title": entry.name,
            "notes": entry.abstract,
            "type": "dataset",
            "state": "active",
            "private": False,
            "url": url,
            "version": self.context.version,
            "author": entry.provider.name,
            "maintainer": entry.provider.department or entry.provider.name,
            "license_id": "notspecified" if not entry.openness.open else "other-at",
            "license_title": entry.openness.condition or entry.sharing.type.value,
            "metadata_created": _timestamp(entry),
            "metadata_modified": _timestamp(entry),
            "owner_org": organization_id(entry.provider.code),
            "organization": self.organization(entry.provider),
            "tags": tags,
            "num_tags": len(tags),
            "groups": [],
            "extras": [{"key": k, "value": v} for k, v in extras.items()],
            "resources": [
                {
                    "id": str(uuid.uuid5(NAMESPACE, f"distribution:{entry.code}")),
                    "package_id": pid,
                    "name": entry.name,
                    "description": entry.name_en,
                    "format": entry.format.type,
                    "url": url,
                    "position": 0,
                    "state": "active",
                }
            ],
            "num_resources": 1,
        }
