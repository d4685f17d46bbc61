"""高校毕业生就业: one workbook per university and graduation year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from hub.synth import dirt
from hub.synth.dirt import Columns, Row, Spec
from hub.synth.exports import Written, _layout, period_stamp
from hub.synth.names import draw_names, person_name
from hub.synth.people import day_of, id_number, make_unique, other_province_counties
from hub.synth.population import Province
from hub.synth.province import UNIVERSITIES_AT_SCALE_1
from hub.synth.schools import School
from hub.synth.workbooks import Sheet, write_xlsx
from schemas import rules

GRAD_SHEET = "毕业生就业信息"
GRAD_COLUMNS = (
    "学号", "姓名", "性别", "身份证件号", "院系", "专业代码", "专业名称", "学历层次", "毕业年份",
    "去向类别", "就业单位所在地行政区划",
)  # fmt: skip
MAJORS = (
    ("计算机学院", "080901", "计算机科学与技术"), ("计算机学院", "080902", "软件工程"),
    ("机械工程学院", "080202", "机械设计制造及其自动化"), ("经济管理学院", "020101", "经济学"),
    ("经济管理学院", "120203", "会计学"), ("文学院", "050101", "汉语言文学"),
    ("外国语学院", "050201", "英语"), ("理学院", "070101", "数学与应用数学"),
    ("医学院", "100201", "临床医学"), ("教育学院", "040107", "小学教育"),
)  # fmt: skip
DESTINATIONS = ("签约就业", "升学", "出国", "灵活就业", "自主创业", "待就业")
GRADUATES_PER_UNIVERSITY = 3600


def _people(province: Province, uni: School, year: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng([province.plan.seed, 24, uni.index, year])
    share = min(1.0, UNIVERSITIES_AT_SCALE_1 * province.plan.scale / len(province.universities))
    n = max(30, round(GRADUATES_PER_UNIVERSITY * share * rng.uniform(0.6, 1.4)))
    surname, given1, given2 = draw_names(rng, n)
    sex = np.where(rng.random(n) < 0.48, 1, 2)
    birth = (day_of(date(year - 23, 1, 1)) + rng.integers(0, 3 * 365, n)).astype(np.int64)
    region = np.where(
        rng.random(n) < 0.7, int(uni.county), rng.choice(other_province_counties(), n)
    )
    seq = (2 * rng.integers(0, 500, n) + (sex == 1)).astype(np.int64)
    return surname, given1, given2, sex, birth, region, seq


def graduate_people(province: Province) -> dict[str, tuple[np.ndarray, ...]]:
    """Every university's graduates of the year, ID numbers unique across the province."""
    year = int(province.period[:4])
    people = {u.code: _people(province, u, year) for u in province.universities}
    codes = sorted(people)
    make_unique(
        [(people[c][5], people[c][4], people[c][6]) for c in codes],
        np.random.default_rng([province.plan.seed, 26, year]),
    )
    return people


def graduate_rows(
    province: Province, uni: School, year: int, people: tuple[np.ndarray, ...]
) -> list[Row]:
    rng = np.random.default_rng([province.plan.seed, 27, uni.index, year])
    surname, given1, given2, sex, birth, region, seq = people
    n = len(sex)
    undergrad = uni.type_code == "412"
    levels = ("本科", "硕士", "博士") if undergrad else ("专科",)
    level_p = (0.8, 0.17, 0.03) if undergrad else (1.0,)
    counties = [int(c.adcode) for c in province.plan.counties]
    dest_p = (0.55, 0.2, 0.04, 0.12, 0.02, 0.07)
    rows: list[Row] = []
    for i in range(n):
        dept, major_code, major = MAJORS[int(rng.integers(len(MAJORS)))]
        dest = DESTINATIONS[int(rng.choice(6, p=dest_p))]
        employer = None
        if dest in ("签约就业", "灵活就业", "自主创业"):
            employer = (
                str(counties[int(rng.integers(len(counties)))])
                if rng.random() < 0.75
                else str(int(rng.choice(other_province_counties())))
            )
        rows.append([
            f"{uni.code[-5:]}{year - 4}{i:05d}",
            person_name(int(surname[i]), int(given1[i]), int(given2[i]), int(sex[i])),
            str(int(sex[i])),
            id_number(int(region[i]), int(birth[i]), int(seq[i])),
            dept, major_code, major,
            levels[int(rng.choice(len(levels), p=level_p))],
            year, dest, employer,
        ])  # fmt: skip
    return rows


def graduate_spec() -> Spec:
    return Spec(
        faults=[
            (dirt.wrong_check_digit("身份证件号"), 2),
            (dirt.emptied("姓名"), 1),
            (dirt.set_to("去向类别", "code.destination", lambda r, g: "待定"), 1),
            (dirt.set_to("就业单位所在地行政区划", rules.ADCODE_UNKNOWN, lambda r, g: "329999"), 1),
        ],
        quirks=[
            (dirt.lower_x("身份证件号"), 2),
            (dirt.padded("姓名"), 1),
            (dirt.number_as_text("毕业年份"), 1),
        ],
    )


def write_graduates(
    province: Province, uni: School, out: Path, people: tuple[np.ndarray, ...]
) -> Written:
    year = int(province.period[:4])
    rng = np.random.default_rng([province.plan.seed, 25, uni.index, year])
    rows, records = dirt.plant(
        graduate_rows(province, uni, year, people),
        Columns(GRAD_COLUMNS),
        graduate_spec(),
        rng,
        "graduate_employment",
        "学号",
    )
    sheet = Sheet(
        GRAD_SHEET,
        GRAD_COLUMNS,
        rows,
        title=f"{uni.name}{year}届毕业生就业信息" if rng.random() < 0.5 else None,
    )
    rel = f"files/graduate_employment/就业_{uni.code}_{year}.xlsx"
    dirt.locate(
        records, rows, rel, lambda k: {"sheet": GRAD_SHEET, "row": sheet.first_data_row + k}
    )
    write_xlsx(out / rel, [sheet], period_stamp(f"{year}07"))
    return Written("graduate_employment", rel, len(rows), records, _layout(sheet))
