"""Tiny hand-made sources following sources.md, for tests that need one exact situation."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from connectors.institution_codes.source import COLUMNS as SCHOOL_COLUMNS
from connectors.student_registry.source import COLUMNS as PUPIL_COLUMNS
from schemas.identifiers import id_check_char

SCHOOL = "2132070001"
COUNTY = "320115"


def id_number(birth: str = "20150301", seq: str = "123") -> str:
    body = f"{COUNTY}{birth}{seq}"
    return body + id_check_char(body)


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def pupil(number: str, **over: Any) -> dict[str, Any]:
    row = {
        "全国学籍号": "G" + number,
        "姓名": "张三",
        "性别": "1",
        "出生日期": number[6:14],
        "民族": "01",
        "身份证件类型": "1",
        "身份证件号": number,
        "学校标识码": SCHOOL,
        "学校名称": "江宁实验小学",
        "年级": "三年级",
        "班号": "1",
        "入学年月": "202409",
        "就读方式": "走读",
        "户口所在地行政区划": COUNTY,
        "现住址": "南京市江宁区解放路1号",
        "现住址经度": 118.84,
        "现住址纬度": 31.95,
        "学籍状态": "在籍",
        "是否建档立卡贫困户": "否",
        "留守儿童": "0",
        "随迁子女": "否",
    }
    row.update(over)
    return row


def write_xlsx(
    path: Path,
    sheet: str,
    header: Sequence[str],
    rows: Sequence[dict[str, Any]],
    *,
    title: str | None = None,
    blank_rows: int = 0,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    r = 0
    if title:
        ws.write_string(0, 0, title)
        r = 1
    for c, name in enumerate(header):
        ws.write_string(r, c, name)
    for row in rows:
        r += 1
        for c, name in enumerate(header):
            value = row.get(name)
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif value is not None:
                ws.write(r, c, value)
    for _ in range(blank_rows):
        r += 1
        ws.write_blank(r, 0, None, book.add_format({"bold": True}))
    book.close()
    return path


def school_row(code: str = SCHOOL, **over: Any) -> dict[str, Any]:
    row = {
        "学校标识码": code,
        "学校名称": "江宁实验小学",
        "办学类型码": "211",
        "举办者类型": "教育部门",
        "城乡分类码": "111",
        "所在地行政区划": COUNTY,
        "地址": "南京市江宁区解放路1号",
        "经度": "118.84",
        "纬度": "31.95",
        "建校年月": "195009",
        "状态": "正常",
        "撤销日期": "",
    }
    row.update(over)
    return row


def write_schools(folder: Path, rows: Sequence[dict[str, Any]], day: str = "20260901") -> Path:
    path = folder / "files" / "institution_codes" / f"学校机构代码_{day}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(SCHOOL_COLUMNS)
        for row in rows:
            writer.writerow([row.get(c, "") for c in SCHOOL_COLUMNS])
    return path


def write_pupils(folder: Path, rows: Sequence[dict[str, Any]], month: str = "202609") -> Path:
    path = folder / "files" / "student_registry" / f"学籍_{COUNTY}_{month}.xlsx"
    return write_xlsx(path, "学生基本信息", PUPIL_COLUMNS, rows, title="江宁区学生名册")


def write_sources(folder: Path) -> Path:
    path = folder / "sources.yaml"
    path.write_text(
        "version: 1\nprovince: '32'\nsources:\n"
        "  institution_codes: {transport: file_drop, path: files/institution_codes,"
        " pattern: '学校机构代码_*.csv'}\n"
        "  student_registry: {transport: file_drop, path: files/student_registry,"
        " pattern: '学籍_*_*.xlsx'}\n",
        encoding="utf-8",
    )
    return path
