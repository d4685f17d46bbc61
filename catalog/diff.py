"""What changed between two catalog versions: resources and info items added, removed, changed.

Resources are matched by code (codes are never reused), info items by their field name, so a
renamed item shows as a change of its ``name`` rather than a removal and an addition.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from catalog.model import Entry


class FieldChange(BaseModel):
    field: str
    old: Any
    new: Any


class ItemChanges(BaseModel):
    added: list[str] = []
    removed: list[str] = []
    changed: dict[str, list[FieldChange]] = {}

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


class ResourceChange(BaseModel):
    code: str
    id: str
    name: str
    fields: list[FieldChange] = []
    items: ItemChanges = ItemChanges()


class ResourceRef(BaseModel):
    code: str
    id: str
    name: str


class CatalogDiff(BaseModel):
    old_version: str
    new_version: str
    added: list[ResourceRef] = []
    removed: list[ResourceRef] = []
    changed: list[ResourceChange] = []


def _ref(entry: Entry) -> ResourceRef:
    return ResourceRef(code=entry.code, id=entry.id, name=entry.name)


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    out = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            out.append(FieldChange(field=key, old=old.get(key), new=new.get(key)))
    return out


def _item_changes(old: Entry, new: Entry) -> ItemChanges:
    old_items = {i.field: i.model_dump(mode="json") for i in old.items}
    new_items = {i.field: i.model_dump(mode="json") for i in new.items}
    changed = {}
    for name in sorted(set(old_items) & set(new_items)):
        fields = _field_changes(old_items[name], new_items[name])
        if fields:
            changed[name] = fields
    return ItemChanges(
        added=[f for f in new_items if f not in old_items],
        removed=[f for f in old_items if f not in new_items],
        changed=changed,
    )


def diff_entries(
    old: list[Entry], new: list[Entry], *, old_version: str, new_version: str
) -> CatalogDiff:
    before = {e.code: e for e in old}
    after = {e.code: e for e in new}
    result = CatalogDiff(
        old_version=old_version,
        new_version=new_version,
        added=[_ref(after[c]) for c in sorted(set(after) - set(before))],
        removed=[_ref(before[c]) for c in sorted(set(before) - set(after))],
    )
    for code in sorted(set(before) & set(after)):
        a, b = before[code], after[code]
        fields = _field_changes(
            a.model_dump(mode="json", exclude={"items"}),
            b.model_dump(mode="json", exclude={"items"}),
        )
        items = _item_changes(a, b)
        if fields or not items.empty:
            result.changed.append(
                ResourceChange(code=code, id=b.id, name=b.name, fields=fields, items=items)
            )
    return result
