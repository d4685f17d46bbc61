"""The flat layout offices circulate: one row per 信息项, every element as a Chinese column."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from catalog.codes import CLASSES, ITEMS
from catalog.model import DATA_TYPE_NAMES, Entry, InfoItem

Cell = Callable[[Entry, InfoItem], Any]


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _join(values: list[str]) -> str:
    return "；".join(values)


COLUMNS: tuple[tuple[str, Cell], ...] = (
    ("信息资源代码", lambda e, i: e.code),
    ("信息资源名称", lambda e, i: e.name),
    ("英文名称", lambda e, i: e.name_en),
    ("类", lambda e, i: CLASSES.get(e.classification.class_code, "")),
    (
        "项",
        lambda e, i: ITEMS.get(e.classification.class_code, {}).get(e.classification.item_code, ""),
    ),
    ("目", lambda e, i: e.classification.category_name),
    ("细目", lambda e, i: e.classification.subcategory_name),
    ("分类码", lambda e, i: e.classification.code),
    ("信息资源提供方", lambda e, i: e.provider.name),
    ("提供方代码", lambda e, i: e.provider.code),
    ("提供方内部部门", lambda e, i: e.provider.department),
    ("信息资源摘要", lambda e, i: e.abstract),
    ("信息资源格式分类", lambda e, i: e.format.category.value),
    ("信息资源格式类型", lambda e, i: e.format.type),
    ("信息项名称", lambda e, i: i.name),
    ("字段名", lambda e, i: i.field),
    ("数据类型", lambda e, i: f"{DATA_TYPE_NAMES[i.data_type]}{i.data_type.value}"),
    ("数据长度", lambda e, i: i.length),
    ("信息项描述", lambda e, i: i.description),
    ("是否个人信息", lambda e, i: _yes(i.personal)),
    ("共享类型", lambda e, i: e.sharing.type.value),
    ("共享条件", lambda e, i: e.sharing.condition),
    ("共享依据", lambda e, i: e.sharing.basis),
    ("共享方式", lambda e, i: e.sharing.method.value if e.sharing.method else ""),
    ("共享方式类型", lambda e, i: e.sharing.method_type.value if e.sharing.method_type else ""),
    ("是否向社会开放", lambda e, i: _yes(e.openness.open)),
    ("开放条件", lambda e, i: e.openness.condition),
    ("更新周期", lambda e, i: e.update_cycle.value),
    ("发布日期", lambda e, i: e.published.isoformat()),
    ("关联资源代码", lambda e, i: _join(e.related)),
    ("关键词", lambda e, i: _join(e.keywords)),
    ("支撑实体", lambda e, i: e.entity or ""),
    ("视图", lambda e, i: e.view or ""),
    ("来源表", lambda e, i: _join(e.derived_from)),
    ("行范围规则", lambda e, i: e.row_scope),
    ("个人信息项", lambda e, i: _join(e.personal_fields)),
    ("空间范围", lambda e, i: _join(e.spatial_coverage)),
)

HEADERS: tuple[str, ...] = tuple(name for name, _ in COLUMNS)


def rows(entries: list[Entry]) -> Iterator[list[Any]]:
    """Every resource's cells repeated on each of its item rows, so a filter never loses them."""
    for entry in entries:
        for item in entry.items:
            yield [cell(entry, item) for _, cell in COLUMNS]
