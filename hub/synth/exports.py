"""Student registry (per county and month) and teacher (per city and quarter) file drops.

Rows are built from the column arrays, sorted, dirtied by ``dirt`` and written streaming. Layout
quirks (a title row above the header, trailing blank rows, real date cells) are decided per file
by the seed and recorded in the manifest's ``files`` section.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from hub.synth import dirt
from hub.synth.dirt import Columns, Dirty, Row, Spec
from hub.synth.names import ROADS, person_name
from hub.synth.people import (
    ETHNIC_MINORITIES,
    XJH_G,
    XJH_L,
    Pupils,
    Teachers,
    date_of,
    id_number,
    xjh_of,
    ymd,
)
from hub.synth.population import Province
from hub.synth.province import GRADE_NAMES, County
from hub.synth.schools import School, unknown_school_code
from hub.synth.workbooks import Sheet, write_xlsx
from schemas import rules

REGISTRY_SHEET = "学生基本信息"
REGISTRY_COLUMNS = (
    "全国学籍号", "姓名", "性别", "出生日期", "民族", "身份证件类型", "身份证件号", "学校标识码",
    "学校名称", "年级", "班号", "入学年月", "就读方式", "户口所在地行政区划", "现住址",
    "现住址经度", "现住址纬度", "学籍状态", "是否建档立卡贫困户", "留守儿童", "随迁子女",
)  # fmt: skip
TEACHER_SHEET = "教职工基本信息"
TEACHER_COLUMNS = (
    "教职工号", "姓名", "性别", "出生日期", "身份证件号", "学校标识码", "岗位类别", "任教学段",
    "任教学科", "最高学历", "专业技术职务", "参加工作年月", "信息技术应用能力培训", "网络学习空间",
)  # fmt: skip
POSTS = ("", "专任教师", "行政", "教辅", "工勤")
SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治", "音乐",
            "体育", "美术", "信息技术", "科学")  # fmt: skip
EDUCATION = ("研究生", "本科", "专科", "高中及以下")
TITLES = ("正高级教师", "高级教师", "一级教师", "二级教师", "三级教师", "未评")
STAGE_OF_TYPE = {"211": "小学", "218": "小学", "311": "初中", "312": "小学", "341": "初中",
                 "342": "高中", "365": "职业高中", "511": "特殊教育", "111": "学前"}  # fmt: skip


@dataclass
class Written:
    """What writing one file produced, for the manifest."""

    source: str
    file: str  # relative to the output folder
    records: int
    dirty: list[Dirty]
    layout: dict[str, Any]
    digest: dict[str, str] | None = None  # key -> row fingerprint, for --next-period diffs
    changes: dict[str, list[str]] | None = None  # --next-period: this file vs last month's


def period_stamp(period: str) -> datetime:
    return datetime(int(period[:4]), int(period[4:]), 1)


def registry_rows(province: Province, county: County) -> list[Row]:
    p = province.pupils[county.adcode]
    schools = province.schools
    order = np.lexsort((p.pid, p.class_no, p.grade, p.school))
    rows: list[Row] = []
    for i in order.tolist():
        s = schools[int(p.school[i])]
        kind = int(p.xjh_kind[i])
        has_id = kind != 1
        rows.append(
            [
                xjh_of(p, i),
                person_name(int(p.surname[i]), int(p.given1[i]), int(p.given2[i]), int(p.sex[i])),
                str(int(p.sex[i])),
                ymd(int(p.birth[i])),
                "01" if p.ethnicity[i] == 0 else ETHNIC_MINORITIES[int(p.ethnicity[i]) - 1],
                "1" if has_id else "Z",
                id_number(int(p.household[i]), int(p.birth[i]), int(p.id_seq[i]))
                if has_id
                else None,
                s.code,
                s.name,
                GRADE_NAMES[int(p.grade[i])],
                str(int(p.class_no[i])),
                str(int(p.enrol[i])),
                "住校" if p.boarding[i] else "走读",
                str(int(p.household[i])),
                f"{county.city_name}{county.name}{ROADS[int(p.road[i])]}{int(p.house_no[i])}号",
                float(p.lon[i]),
                float(p.lat[i]),
                "休学" if p.suspended[i] else "在籍",
                "是" if p.poor[i] else "否",
                str(int(p.left_behind[i])),
                "是" if p.migrant[i] else "否",
            ]
        )
    return rows


def _other_school(province: Province, county: County) -> Any:
    """For the two-schools fault: another school of the county teaching the same grade."""
    by_code = province.by_code()
    mine = [s for s in province.county_schools(county.adcode) if s.classes]

    def other(row: Row) -> tuple[str, str] | None:
        here = by_code[row[7]]
        grade = GRADE_NAMES.index(row[9])
        for s in mine:
            if s.code != here.code and grade in s.classes:
                return s.code, s.name
        return None

    return other


def registry_spec(province: Province, county: County, rng: np.random.Generator) -> Spec:
    unknown = unknown_school_code("21", county, rng)
    return Spec(
        faults=[
            (dirt.wrong_check_digit("身份证件号"), 3),
            (dirt.set_to("学校标识码", rules.SCHOOL_UNKNOWN, lambda r, g: unknown), 1),
            (dirt.coords("现住址经度", "现住址纬度", "zero"), 1),
            (dirt.coords("现住址经度", "现住址纬度", "swapped"), 1),
            (dirt.coords("现住址经度", "现住址纬度", "outside"), 1),
            (dirt.exact_duplicate(), 1),
            (dirt.in_two_schools("学校标识码", "学校名称", _other_school(province, county)), 1),
            (dirt.emptied("姓名"), 1),
            (dirt.set_to("民族", "code.ethnicity", lambda r, g: "57"), 1),
            (dirt.set_to("出生日期", rules.DATE_INVALID, lambda r, g: r[3][:4] + "0231"), 1),
            (dirt.set_to("户口所在地行政区划", rules.ADCODE_UNKNOWN, lambda r, g: "329999"), 1),
        ],
        quirks=[
            (dirt.lower_x("身份证件号"), 3),
            (dirt.padded("姓名"), 1),
            (dirt.padded("姓名", full_width=True), 1),
            (dirt.excel_serial("出生日期"), 1),
            (dirt.number_as_text("现住址经度"), 1),
            (dirt.text_as_number("学校标识码"), 1),
            (dirt.text_as_number("入学年月"), 1),
            (dirt.text_as_number("民族"), 1),
        ],
    )


def fingerprint(rows: Sequence[Sequence[Any]], key_index: int) -> dict[str, str]:
    """key -> the key's rows as text, to diff two snapshots."""
    out: dict[str, list[str]] = {}
    for row in rows:
        key = str(row[key_index]).strip()
        out.setdefault(key, []).append("\x1f".join("" if v is None else repr(v) for v in row))
    return {k: "\x1e".join(sorted(v)) for k, v in out.items()}


def registry_file(province: Province, county: County) -> tuple[str, Sheet, list[Dirty]]:
    """The county's registry snapshot for the period: path, sheet (rows dirtied), records."""
    seed, period = province.plan.seed, province.period
    rng = np.random.default_rng([seed, 20, county.index, province.step])
    rows = registry_rows(province, county)
    columns = Columns(REGISTRY_COLUMNS)
    spec = registry_spec(province, county, rng)
    rows, records = dirt.plant(rows, columns, spec, rng, "student_registry", "全国学籍号")
    title = f"{county.city_name}{county.name}中小学生学籍信息（{period[:4]}年{period[4:]}月）"
    sheet = Sheet(
        REGISTRY_SHEET,
        REGISTRY_COLUMNS,
        rows,
        title=title if rng.random() < 0.35 else None,
        trailing_blank_rows=int(rng.integers(1, 4)) if rng.random() < 0.3 else 0,
    )
    rel = f"files/student_registry/学籍_{county.adcode}_{period}.xlsx"
    first = sheet.first_data_row
    dirt.locate(records, rows, rel, lambda k: {"sheet": REGISTRY_SHEET, "row": first + k})
    return rel, sheet, records


def write_registry(province: Province, county: County, out: Path, digest: bool = False) -> Written:
    rel, sheet, records = registry_file(province, county)
    rows = list(sheet.rows)
    write_xlsx(out / rel, [sheet], period_stamp(province.period))
    return Written("student_registry", rel, len(rows), records, _layout(sheet),
                   fingerprint(rows, 0) if digest else None)  # fmt: skip


def _layout(sheet: Sheet, date_cells: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "sheets": [sheet.name],
        "title_rows": 1 if sheet.title else 0,
        "header_rows": sheet.header_rows,
        "first_data_row": sheet.first_data_row,
        "trailing_blank_rows": sheet.trailing_blank_rows,
        "date_cells": list(date_cells),
    }


def quarter_of(period: str) -> str:
    return f"{period[:4]}Q{(int(period[4:]) - 1) // 3 + 1}"


def teacher_rows(province: Province, city: str, date_cells: bool) -> list[Row]:
    rows: list[Row] = []
    schools = province.schools
    for adcode in sorted(a for a in province.teachers if a.startswith(city[:4])):
        t = province.teachers[adcode]
        for i in np.argsort(t.tid, kind="stable").tolist():
            s: School = schools[int(t.school[i])]
            birth = date_of(int(t.birth[i]))
            rows.append(
                [
                    f"JZG{int(t.tid[i]):010d}",
                    person_name(
                        int(t.surname[i]), int(t.given1[i]), int(t.given2[i]), int(t.sex[i])
                    ),
                    str(int(t.sex[i])),
                    birth if date_cells else birth.strftime("%Y%m%d"),
                    id_number(int(t.region[i]), int(t.birth[i]), int(t.id_seq[i])),
                    s.code,
                    POSTS[int(t.post[i])],
                    STAGE_OF_TYPE.get(s.type_code, "其他") if t.post[i] == 1 else None,
                    SUBJECTS[int(t.subject[i])] if t.post[i] == 1 else None,
                    EDUCATION[int(t.education[i])],
                    TITLES[int(t.title[i])],
                    str(int(t.work_start[i])),
                    "已完成" if t.ict_trained[i] else "未完成",
                    "已开通" if t.space_opened[i] else "未开通",
                ]
            )
    return rows


def teacher_spec(city_county: County, rng: np.random.Generator) -> Spec:
    unknown = unknown_school_code("21", city_county, rng)
    return Spec(
        faults=[
            (dirt.wrong_check_digit("身份证件号"), 3),
            (dirt.set_to("学校标识码", rules.SCHOOL_UNKNOWN, lambda r, g: unknown), 1),
            (dirt.emptied("姓名"), 1),
            (dirt.exact_duplicate(), 1),
            (dirt.set_to("岗位类别", "code.post_category", lambda r, g: "临时工"), 1),
        ],
        quirks=[
            (dirt.lower_x("身份证件号"), 3),
            (dirt.padded("姓名"), 1),
            (dirt.padded("姓名", full_width=True), 1),
            (dirt.excel_serial("出生日期"), 1),
            (dirt.text_as_number("参加工作年月"), 1),
            (dirt.text_as_number("学校标识码"), 1),
        ],
    )


def teacher_file(province: Province, city: str) -> tuple[str, Sheet, list[Dirty], bool]:
    """The city's staff snapshot for the quarter: path, sheet, records, whether dates are cells."""
    seed, period = province.plan.seed, province.period
    first = next(c for c in province.plan.counties if c.city == city)
    quarter = quarter_of(period)
    # Some cities' systems export real Excel dates; a city's system does not change by quarter.
    date_cells = bool(np.random.default_rng([seed, 19, int(city)]).random() < 0.4)
    rng = np.random.default_rng([seed, 21, int(city), province.step])
    rows = teacher_rows(province, city, date_cells)
    columns = Columns(TEACHER_COLUMNS)
    rows, records = dirt.plant(rows, columns, teacher_spec(first, rng), rng, "teachers", "教职工号")
    title = f"{first.city_name}教职工基本信息（{quarter[:4]}年第{quarter[-1]}季度）"
    sheet = Sheet(
        TEACHER_SHEET,
        TEACHER_COLUMNS,
        rows,
        title=title if rng.random() < 0.5 else None,
        trailing_blank_rows=int(rng.integers(1, 3)) if rng.random() < 0.3 else 0,
    )
    rel = f"files/teachers/教师_{city}_{quarter}.xlsx"
    top = sheet.first_data_row
    dirt.locate(records, rows, rel, lambda k: {"sheet": TEACHER_SHEET, "row": top + k})
    return rel, sheet, records, date_cells


def write_teachers(province: Province, city: str, out: Path, digest: bool = False) -> Written:
    rel, sheet, records, date_cells = teacher_file(province, city)
    rows = list(sheet.rows)
    write_xlsx(out / rel, [sheet], period_stamp(province.period))
    layout = _layout(sheet, ("出生日期",) if date_cells else ())
    return Written("teachers", rel, len(rows), records, layout,
                   fingerprint(rows, 0) if digest else None)  # fmt: skip


__all__ = ["XJH_G", "XJH_L", "Pupils", "Teachers", "Written", "write_registry", "write_teachers"]
