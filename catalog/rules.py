"""The cataloguing rules of the guideline and 国发〔2016〕51号, checked across a whole catalog.

Each rule has a stable id (``catalog.<rule>``) so reviewers and tests can name it. Rules that
look at one entry run per entry; rules on codes and relations need the whole catalog.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from catalog.codes import CLASSES, ITEMS, Registry
from catalog.model import FORMAT_TYPES, Entry, SharingMethodCategory, SharingType

UNCONDITIONAL_CONDITION = "无条件"


@dataclass(frozen=True)
class Problem:
    rule: str
    resource: str
    message: str

    def __str__(self) -> str:
        return f"{self.resource}: [{self.rule}] {self.message}"


def check_entry(entry: Entry) -> list[Problem]:
    """Rules that need only the entry itself."""
    out: list[Problem] = []

    def bad(rule: str, message: str) -> None:
        out.append(Problem(f"catalog.{rule}", entry.id, message))

    cls = entry.classification
    if cls.class_code not in CLASSES:
        bad("classification", f"类 {cls.class_code} is not one of {sorted(CLASSES)}")
    elif cls.item_code not in ITEMS[cls.class_code]:
        bad("classification", f"项 {cls.item_code} does not exist under 类 {cls.class_code}")
    if entry.code.split("/", 1)[0] != cls.code:
        bad("code_prefix", f"code {entry.code} does not start with 分类码 {cls.code}")

    allowed = FORMAT_TYPES[entry.format.category]
    if allowed is not None and entry.format.type not in allowed:
        bad("format", f"{entry.format.category.value} allows {', '.join(allowed)}")

    sharing = entry.sharing
    if sharing.type is SharingType.UNCONDITIONAL and sharing.condition not in (
        "",
        UNCONDITIONAL_CONDITION,
    ):
        bad("sharing_condition", "无条件共享 states its condition as 无条件")
    if sharing.type is SharingType.CONDITIONAL and (
        not sharing.condition.strip() or sharing.condition == UNCONDITIONAL_CONDITION
    ):
        bad("sharing_condition", "有条件共享 needs the concrete conditions stated")
    if sharing.type is SharingType.NOT_SHARED and not sharing.basis.strip():
        bad("sharing_basis", "不予共享 needs the law, regulation or policy that forbids sharing")
    if sharing.type is not SharingType.NOT_SHARED and sharing.method is None:
        bad("sharing_method", "a shared resource states its 共享方式")
    if sharing.method is SharingMethodCategory.PLATFORM and sharing.method_type is None:
        bad("sharing_method", "共享平台方式 needs a 共享方式类型 (数据库/文件/接口)")

    if entry.openness.open:
        if entry.personal_fields:
            fields = ", ".join(entry.personal_fields)
            bad("open_personal", f"a resource open to the public holds personal fields: {fields}")
        if sharing.type is not SharingType.UNCONDITIONAL:
            bad("open_sharing", "a resource open to the public must be 无条件共享")
    elif entry.openness.condition:
        bad("open_condition", "开放条件 only applies to a resource open to the public")

    names = Counter(item.name for item in entry.items)
    item_fields = Counter(item.field for item in entry.items)
    for name, n in names.items():
        if n > 1:
            bad("item_unique", f"信息项 {name!r} appears {n} times")
    for name, n in item_fields.items():
        if n > 1:
            bad("item_unique", f"field {name!r} appears {n} times")
    for item in entry.items:
        if item.data_type.value in "CN" and item.length is None:
            bad("item_length", f"{item.name}: 字符型/数值型 items need a 数据长度")
    if (entry.entity is None) == (entry.view is None):
        bad("backing", "name exactly one of entity (a table) or view (a derived dataset)")
    if entry.view is not None and not entry.derived_from:
        bad("backing", "a view names the tables it is derived from")
    if entry.code in entry.related:
        bad("related", "a resource is not related to itself")
    return out


def check_catalog(entries: list[Entry], registry: Registry | None = None) -> list[Problem]:
    """Every per-entry rule plus uniqueness, relations and the code registry."""
    out = [p for entry in entries for p in check_entry(entry)]
    codes = Counter(e.code for e in entries)
    ids = Counter(e.id for e in entries)
    by_code = {e.code for e in entries}
    for entry in entries:
        if codes[entry.code] > 1:
            out.append(Problem("catalog.code_unique", entry.id, f"code {entry.code} is shared"))
        if ids[entry.id] > 1:
            out.append(Problem("catalog.id_unique", entry.id, "id is used twice"))
        for code in entry.related:
            if code not in by_code:
                out.append(Problem("catalog.related", entry.id, f"no resource with code {code}"))
    out.extend(_check_category_names(entries))
    if registry is not None:
        out.extend(_check_registry(entries, registry))
    return out


def _check_category_names(entries: list[Entry]) -> list[Problem]:
    """One 目 / 细目 code means one name throughout the catalog."""
    out: list[Problem] = []
    seen: dict[str, tuple[str, str]] = {}
    for entry in entries:
        c = entry.classification
        for key, name in (
            (c.class_code + c.item_code + c.category_code, c.category_name),
            (c.code, c.subcategory_name),
        ):
            if key in seen and seen[key][0] != name:
                msg = f"分类 {key} is named {name!r} here and {seen[key][0]!r} in {seen[key][1]}"
                out.append(Problem("catalog.classification_name", entry.id, msg))
            seen.setdefault(key, (name, entry.id))
    return out


def _check_registry(entries: list[Entry], registry: Registry) -> list[Problem]:
    out: list[Problem] = []
    for entry in entries:
        issued = registry.issued.get(entry.code)
        if issued is None:
            msg = f"code {entry.code} was never issued: run `eduhub catalog new-code`"
            out.append(Problem("catalog.code_issued", entry.id, msg))
        elif issued.resource != entry.id:
            msg = f"code {entry.code} was issued to {issued.resource!r}; codes are never reused"
            out.append(Problem("catalog.code_reused", entry.id, msg))
        elif issued.withdrawn is not None:
            msg = f"code {entry.code} was withdrawn on {issued.withdrawn}"
            out.append(Problem("catalog.code_reused", entry.id, msg))
    return out
