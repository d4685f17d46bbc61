"""Excel and CSV exports: the office layout, every element of every resource."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from catalog.renderers import ExportContext
from catalog.renderers.csv import CsvRenderer
from catalog.renderers.excel import SHEET, ExcelRenderer
from catalog.renderers.table import HEADERS
from tests.catalog.factories import shipped_entries

CONTEXT = ExportContext(version="1.0")
ELEMENTS = {
    "信息资源分类": ("类", "项", "目", "细目", "分类码"),
    "信息资源名称": ("信息资源名称",),
    "信息资源代码": ("信息资源代码",),
    "信息资源提供方": ("信息资源提供方",),
    "信息资源提供方代码": ("提供方代码",),
    "信息资源摘要": ("信息资源摘要",),
    "信息资源格式": ("信息资源格式分类", "信息资源格式类型"),
    "信息项信息": ("信息项名称", "数据类型", "数据长度", "是否个人信息"),
    "共享属性": ("共享类型", "共享条件", "共享方式"),
    "开放属性": ("是否向社会开放", "开放条件"),
    "更新周期": ("更新周期",),
    "发布日期": ("发布日期",),
    "关联资源代码": ("关联资源代码",),
}


@pytest.fixture(scope="module")
def sheet_rows() -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(ExcelRenderer().render(shipped_entries(), CONTEXT)))
    sheet = book[SHEET]
    assert sheet.freeze_panes == "C2"
    return list(sheet.iter_rows(values_only=True))


def test_excel_header_is_chinese_and_complete(sheet_rows: list[tuple[object, ...]]) -> None:
    assert tuple(sheet_rows[0]) == HEADERS


@pytest.mark.parametrize("element", ELEMENTS)
def test_excel_has_columns_for_each_core_element(element: str) -> None:
    assert set(ELEMENTS[element]) <= set(HEADERS)


def test_excel_holds_one_row_per_info_item(sheet_rows: list[tuple[object, ...]]) -> None:
    entries = shipped_entries()
    assert len(sheet_rows) - 1 == sum(len(e.items) for e in entries)


def test_excel_holds_every_element_of_every_resource(
    sheet_rows: list[tuple[object, ...]],
) -> None:
    col = {h: n for n, h in enumerate(HEADERS)}
    by_code: dict[object, list[tuple[object, ...]]] = {}
    for row in sheet_rows[1:]:
        by_code.setdefault(row[col["信息资源代码"]], []).append(row)
    for entry in shipped_entries():
        rows = by_code[entry.code]
        first = rows[0]
        assert first[col["信息资源名称"]] == entry.name
        assert first[col["分类码"]] == entry.classification.code
        assert first[col["细目"]] == entry.classification.subcategory_name
        assert first[col["信息资源提供方"]] == entry.provider.name
        assert first[col["提供方代码"]] == entry.provider.code
        assert first[col["信息资源摘要"]] == entry.abstract
        assert first[col["信息资源格式分类"]] == entry.format.category.value
        assert first[col["信息资源格式类型"]] == entry.format.type
        assert first[col["共享类型"]] == entry.sharing.type.value
        assert (first[col["共享条件"]] or "") == entry.sharing.condition
        assert first[col["是否向社会开放"]] == ("是" if entry.openness.open else "否")
        assert first[col["更新周期"]] == entry.update_cycle.value
        assert first[col["发布日期"]] == entry.published.isoformat()
        assert (first[col["关联资源代码"]] or "") == "；".join(entry.related)
        assert [r[col["信息项名称"]] for r in rows] == [i.name for i in entry.items]
        assert [str(r[col["数据类型"]])[-1] for r in rows] == [
            i.data_type.value for i in entry.items
        ]
        assert [r[col["是否个人信息"]] for r in rows] == [
            "是" if i.personal else "否" for i in entry.items
        ]


def test_csv_matches_excel_layout(sheet_rows: list[tuple[object, ...]]) -> None:
    text = CsvRenderer().render(shipped_entries(), CONTEXT).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == HEADERS
    assert len(rows) == len(sheet_rows)
