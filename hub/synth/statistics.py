"""教育事业统计: one workbook per county and year, one sheet per school type, two-line headers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hub.synth import dirt
from hub.synth.dirt import Columns, Row, Spec
from hub.synth.exports import Written, _layout, period_stamp
from hub.synth.population import Province
from hub.synth.province import GRADE_NAMES, SCHOOL_TYPES, County
from hub.synth.schools import School, unknown_school_code
from hub.synth.workbooks import Sheet, write_xlsx
from schemas import rules

BAND_COLUMNS = (
    "25人及以下", "26-30人", "31-35人", "36-40人", "41-45人", "46-50人", "51-55人", "56-60人",
    "61-65人", "66人及以上",
)  # fmt: skip
STAT_COLUMNS = ("学校标识码", "年级", "班级数", "学生数", *BAND_COLUMNS, "专任教师数")
BAND_EDGES = (25, 30, 35, 40, 45, 50, 55, 60, 65)


def band_counts(sizes: list[int]) -> list[int]:
    counts = [0] * 10
    for size in sizes:
        counts[int(np.searchsorted(BAND_EDGES, size, side="left"))] += 1
    return counts


def stat_rows(schools: list[School]) -> list[Row]:
    rows: list[Row] = []
    for s in sorted(schools, key=lambda s: s.code):
        grades = sorted(s.classes)
        share = [
            s.teachers // len(grades) + (1 if k < s.teachers % len(grades) else 0)
            for k in range(len(grades))
        ]
        for k, grade in enumerate(grades):
            sizes = s.classes[grade]
            rows.append(
                [
                    s.code,
                    GRADE_NAMES[grade],
                    len(sizes),
                    sum(sizes),
                    *band_counts(sizes),
                    round(share[k] * 0.85),
                ]
            )
    return rows


def stat_spec(county: County, rng: np.random.Generator) -> Spec:
    unknown = unknown_school_code("21", county, rng)
    return Spec(
        faults=[
            (dirt.set_to("学校标识码", rules.SCHOOL_UNKNOWN, lambda r, g: unknown), 1),
            (dirt.set_to("学生数", rules.NUMBER_INVALID, lambda r, g: f"{r[3]}人左右"), 1),
        ],
        quirks=[(dirt.number_as_text("学生数"), 2), (dirt.number_as_text("班级数"), 1)],
    )


def write_statistics(province: Province, county: County, out: Path) -> Written | None:
    seed, year = province.plan.seed, province.period[:4]
    schools = [s for s in province.county_schools(county.adcode) if s.classes]
    if not schools:
        return None
    rng = np.random.default_rng([seed, 22, county.index, int(year)])
    rel = f"files/statistics/教育事业统计_{county.adcode}_{year}.xlsx"
    columns = Columns(STAT_COLUMNS)
    sheets: list[Sheet] = []
    records = []
    total = 0
    first = 4  # group header over the band columns
    for stype in SCHOOL_TYPES:
        mine = [s for s in schools if s.type_code == stype.code]
        if not mine:
            continue
        rows, planted = dirt.plant(
            stat_rows(mine), columns, stat_spec(county, rng), rng, "statistics", "学校标识码"
        )
        sheet = Sheet(
            stype.sheet,
            STAT_COLUMNS,
            rows,
            groups=[(first, first + len(BAND_COLUMNS) - 1, "班额分布")],
        )
        for record in planted:
            record.key = f"{record.key}/{record.row[1] if record.row else ''}"
        dirt.locate(
            planted,
            rows,
            rel,
            lambda k: {"sheet": stype.sheet, "row": sheet.first_data_row + k},  # noqa: B023
        )
        sheets.append(sheet)
        records += planted
        total += len(rows)
    write_xlsx(out / rel, sheets, period_stamp(f"{year}09"))
    layout = _layout(sheets[0])
    layout["sheets"] = [s.name for s in sheets]
    return Written("statistics", rel, total, records, layout)
