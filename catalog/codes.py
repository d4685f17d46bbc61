"""Resource codes: 分类码 + "/" + 顺序码, issued by one rule and never reused.

The 类 and 项 names come from the 2017 guideline (standards.md §1.2). The digit given to each
类 (1 基础, 2 主题, 3 部门) and to each 项 (its position in the guideline's list) is a local
decision, since the numbering is UNCONFIRMED. 目 and 细目 are local (3 and 2 digits).

Every code ever issued is kept in ``registry.yaml`` beside ``entries/`` with the resource it was
issued to; a withdrawn resource keeps its line (``withdrawn: <date>``), so the next code of its
class skips its sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

CLASSES: dict[str, str] = {
    "1": "基础信息资源目录",
    "2": "主题信息资源目录",
    "3": "部门信息资源目录",
}

ITEMS: dict[str, dict[str, str]] = {
    "1": {
        "01": "人口基础信息资源",
        "02": "法人单位基础信息资源",
        "03": "自然资源和空间地理基础信息资源",
        "04": "社会信用基础信息资源",
        "05": "电子证照基础信息资源",
    },
    "2": {
        "01": "公共服务",
        "02": "健康保障",
        "03": "社会保障",
        "04": "食品药品安全",
        "05": "安全生产",
        "06": "价格监管",
        "07": "能源安全",
        "08": "信用体系",
        "09": "城乡建设",
        "10": "社区治理",
        "11": "生态环保",
        "12": "应急维稳",
    },
    "3": {
        "01": "党中央",
        "02": "全国人大常委会",
        "03": "国务院",
        "04": "全国政协",
        "05": "最高法",
        "06": "最高检",
        "07": "省(区、市)及以下政务部门",
        "08": "计划单列市及以下",
    },
}

SEQUENCE_DIGITS = 3


def split_code(code: str) -> tuple[str, int]:
    """(分类码, 顺序码 as int) of a resource code."""
    prefix, _, seq = code.partition("/")
    return prefix, int(seq)


def format_code(classification_code: str, sequence: int) -> str:
    return f"{classification_code}/{sequence:0{SEQUENCE_DIGITS}d}"


@dataclass
class Issued:
    code: str
    resource: str
    issued: date
    withdrawn: date | None = None


@dataclass
class Registry:
    """Every code issued so far; the only place a new code comes from."""

    path: Path
    issued: dict[str, Issued] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Registry:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
        registry = cls(path)
        for row in (raw or {}).get("codes", []):
            item = Issued(
                code=str(row["code"]),
                resource=str(row["resource"]),
                issued=row["issued"],
                withdrawn=row.get("withdrawn"),
            )
            registry.issued[item.code] = item
        return registry

    def save(self) -> None:
        rows = []
        for item in sorted(self.issued.values(), key=lambda i: i.code):
            row: dict[str, object] = {
                "code": item.code,
                "resource": item.resource,
                "issued": item.issued,
            }
            if item.withdrawn:
                row["withdrawn"] = item.withdrawn
            rows.append(row)
        text = yaml.safe_dump({"codes": rows}, allow_unicode=True, sort_keys=False)
        self.path.write_text(text, encoding="utf-8")

    def code_of(self, resource: str) -> str | None:
        for item in self.issued.values():
            if item.resource == resource and item.withdrawn is None:
                return item.code
        return None

    def issue(self, classification_code: str, resource: str, on: date) -> str:
        """The next code of a class: one more than any sequence ever issued in it."""
        if existing := self.code_of(resource):
            raise ValueError(f"resource {resource!r} already holds code {existing}")
        used = [split_code(c)[1] for c in self.issued if split_code(c)[0] == classification_code]
        code = format_code(classification_code, max(used, default=0) + 1)
        self.issued[code] = Issued(code=code, resource=resource, issued=on)
        return code

    def withdraw(self, code: str, on: date) -> None:
        """Mark a code withdrawn; it stays in the registry so it is never issued again."""
        self.issued[code].withdrawn = on
