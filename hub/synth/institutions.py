"""学校机构代码: the full list of schools as a GB18030 CSV with CRLF, dated by the period.

Faults sit on kindergartens only: nothing else in the province refers to them, so quarantining
one cannot drag pupils or staff into "unknown school" as well.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hub.synth import dirt
from hub.synth.dirt import Columns, Dirty, Row, Spec
from hub.synth.exports import Written
from hub.synth.population import Province
from hub.synth.workbooks import write_csv
from schemas import rules

CSV_COLUMNS = (
    "学校标识码", "学校名称", "办学类型码", "举办者类型", "城乡分类码", "所在地行政区划", "地址",
    "经度", "纬度", "建校年月", "状态", "撤销日期",
)  # fmt: skip


def institution_rows(province: Province) -> list[Row]:
    rows = []
    for s in sorted(province.schools, key=lambda s: s.code):
        closed = province.closed.get(s.code)
        rows.append(
            [
                s.code,
                s.name,
                s.type_code,
                s.sponsor,
                s.urban_rural,
                s.county,
                s.address,
                s.lon,
                s.lat,
                s.founded,
                "撤销" if closed else "正常",
                closed or "",
            ]
        )
    return rows


def institution_spec() -> Spec:
    return Spec(
        faults=[
            (dirt.set_to("办学类型码", "code.school_type", lambda r, g: "367"), 1),
            (dirt.set_to("所在地行政区划", rules.ADCODE_UNKNOWN, lambda r, g: "329999"), 1),
            (dirt.coords("经度", "纬度", "zero"), 1),
            (dirt.coords("经度", "纬度", "swapped"), 1),
            (dirt.coords("经度", "纬度", "outside"), 1),
            (dirt.emptied("学校名称"), 1),
            (
                dirt.set_to(
                    "学校标识码", "school_code.province", lambda r, g: r[0][:2] + "31" + r[0][4:]
                ),
                1,
            ),
            (dirt.exact_duplicate(), 1),
        ],
        quirks=[
            (dirt.padded("学校名称"), 1),
            (dirt.padded("学校名称", full_width=True), 1),
            (dirt.padded("地址"), 1),
        ],
        fault_rate=0.02,
        quirk_rate=0.02,
    )


def write_institutions(province: Province, out: Path) -> Written:
    seed, period = province.plan.seed, province.period
    rng = np.random.default_rng([seed, 23, province.step])
    rows = institution_rows(province)
    columns = Columns(CSV_COLUMNS)
    kinder = [r for r in rows if r[2] == "111" and r[10] == "正常"]
    others = [r for r in rows if not (r[2] == "111" and r[10] == "正常")]
    # Kindergartens get planted on (about 1% of all rows each), the rest stay clean.
    spec = institution_spec()
    share = len(rows) / max(len(kinder), 1)
    spec.fault_rate, spec.quirk_rate = min(0.2, 0.01 * share), min(0.2, 0.01 * share)
    kinder, records = dirt.plant(kinder, columns, spec, rng, "institution_codes", "学校标识码")
    rows = _stable_merge(kinder, others)
    # The last line is cut off, as an interrupted export leaves it (no final CRLF); the victim is
    # a kindergarten nothing else refers to and that carries no other dirt.
    touched = {id(d.row) for d in records}
    seen: dict[str, int] = {}
    for r in rows:
        seen[str(r[0])] = seen.get(str(r[0]), 0) + 1
    victim = next(r for r in reversed(kinder) if id(r) not in touched and seen[str(r[0])] == 1)
    rows = [r for r in rows if r is not victim]
    cut = ",".join("" if v is None else str(v) for v in victim[:5])
    rel = f"files/institution_codes/学校机构代码_{period}01.csv"
    dirt.locate(records, rows, rel, lambda k: {"line": k + 2})
    records.append(
        Dirty(
            "institution_codes",
            "fault",
            None,
            rules.CSV_TRUNCATED,
            cut,
            None,
            key=victim[0],
            file=rel,
            locator={"line": len(rows) + 2},
        )
    )
    write_csv(out / rel, CSV_COLUMNS, rows, tail=cut)
    layout = {
        "encoding": "gb18030",
        "line_end": "CRLF",
        "header_rows": 1,
        "truncated_last_line": True,
    }
    return Written("institution_codes", rel, len(rows) + 1, records, layout)


def _stable_merge(a: list[Row], b: list[Row]) -> list[Row]:
    """Rows sorted by school code; inserted duplicates stay right after their original."""
    out = a + b
    order = sorted(range(len(out)), key=lambda i: (str(out[i][0]), i))
    return [out[i] for i in order]
