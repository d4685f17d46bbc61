"""Indicator counts computed straight from the raw files of a synthetic province, without the hub.

Everything here reads what ``eduhub synth`` wrote, the way a person with a spreadsheet would: the
workbooks and the institution-code CSV (python-calamine, ``csv``), the HTTP simulators' data
(``api/simulator.db``, the rows ``eduhub synth serve`` pages out) and the exchange database
(``exchange.db``) with ``sqlite3``. No hub, connector or schemas code is used: code words
(全覆盖, 签约就业, 在籍 ...) are written out as the definitions in ``docs/indicators.md`` name them,
and persons are joined on their raw 学籍号 or ID number, never on a hash.

The province may have been pulled more than once (``eduhub synth --next-period`` between pulls),
so a ``RawProvince`` is the list of the folder's states, one per pull, oldest first (copies taken
before each ``--next-period``; the last one is the folder as it is now). What the hub should hold
then follows from the source contracts of ``docs/connectors.md``, applied here to raw rows:

- records the generator planted as faults (``manifest.json``, ``kind = fault``) are refused;
- a file is a complete snapshot of its partition (a county's pupils, a city's staff ...): it
  replaces what the partition's earlier files said, a key it no longer lists has left, and a key
  it lists with a fault keeps its last good version;
- the exchange tables and the HTTP sources add and update rows by key, rows the exchange flags
  ``is_deleted`` leave, and a faulty version leaves the last good one in place;
- a payment or health test names a pupil by 学籍号 and counts once the registry has held that
  pupil (in any pull, leavers included).

Each indicator function returns ``{county adcode: (numerator, denominator)}``; ``roll_up`` adds
cities (adcode ``AAAA00``) and the province (``320000``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

Counts = dict[str, tuple[float, float]]
Row = dict[str, Any]
K12 = ("21", "31", "34")  # 小学 (教学点 included), 初中 and 九年一贯制, 高中 and 完全中学
UNIVERSITY = ("41",)
PASS = ("优秀", "良好", "及格")
EMPLOYED = ("签约就业", "灵活就业", "自主创业")
FURTHER_STUDY = ("升学", "出国")
NOT_PLACED = ("待就业",)
DEGREES = {"1": "专科", "2": "本科", "3": "硕士", "4": "博士"}


def text(value: Any) -> str:
    """A cell as text: numbers stored as floats (2026.0) come back as their digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().replace("\u3000", "")


def number(value: Any) -> float:
    return float(text(value))


def _locator(**parts: Any) -> str:
    return json.dumps(parts, sort_keys=True)


@dataclass(frozen=True)
class Sheet:
    """The data rows of one sheet as dicts by header, with their 1-based spreadsheet row."""

    file: str  # relative to the province folder, as the manifest names it
    name: str
    rows: list[tuple[int, Row]]


def read_sheets(path: Path, folder: Path, first_column: str) -> Iterator[Sheet]:
    """Every sheet of one workbook; the header is the row that starts with ``first_column``,
    merged with the line below when that one starts blank (the statistics' band names); title
    rows above and blank rows below the data are skipped."""
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        cells = sheet.to_python()
        top = int(sheet.start[0]) if sheet.start else 0
        head = next(i for i, r in enumerate(cells) if text(r[0]) == first_column)
        header = [text(c) for c in cells[head]]
        if head + 1 < len(cells) and not text(cells[head + 1][0]):  # a second header line
            header = [text(b) or a for a, b in zip(header, cells[head + 1], strict=True)]
        rows = [
            (top + i + 1, dict(zip(header, r, strict=False)))
            for i, r in enumerate(cells)
            if i > head and text(r[0])
        ]
        yield Sheet(str(path.relative_to(folder)), name, rows)


class State:
    """One state of the province folder: what a pull saw."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest: dict[str, Any] = json.loads(
            (folder / "manifest.json").read_text(encoding="utf-8")
        )
        self.simulator: dict[str, Any] = json.loads(
            (folder / "api/simulator.json").read_text(encoding="utf-8")
        )
        self.faults = {
            (d["file"] or d["source"], _locator(**d["locator"]))
            for d in self.manifest["dirty"]
            if d["kind"] == "fault"
        }

    def files(self, rel_dir: str, suffix: str) -> dict[str, str]:
        """Name -> content of the files under ``rel_dir`` (the content tells a rewrite apart)."""
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((self.folder / rel_dir).glob(f"*{suffix}"))
        }

    def api(self, table: str) -> list[Row]:
        with sqlite3.connect(self.folder / "api/simulator.db") as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(f"SELECT * FROM {table}")]

    def exchange(self, table: str) -> list[Row]:
        with sqlite3.connect(self.folder / "exchange.db") as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(f"SELECT * FROM {table}")]


class RawProvince:
    def __init__(self, states: list[Path]) -> None:
        self.states = [State(p) for p in states]
        self.now = self.states[-1]
        self.folder = self.now.folder

    # --- reference: schools ------------------------------------------------------------------

    @cached_property
    def schools(self) -> dict[str, dict[str, str]]:
        """Schools of the newest institution-code CSV: code -> {type, county, status}."""
        newest = max((self.folder / "files/institution_codes").glob("*.csv"))
        rel = str(newest.relative_to(self.folder))
        out: dict[str, dict[str, str]] = {}
        with newest.open(encoding="gb18030", newline="") as fh:
            lines = list(csv.reader(fh))
        header = lines[0]
        for line, values in enumerate(lines[1:], start=2):
            if (rel, _locator(line=line)) in self.now.faults or len(values) < len(header):
                continue
            row = dict(zip(header, values, strict=True))
            out[row["学校标识码"].strip()] = {
                "type": row["办学类型码"].strip(),
                "county": row["所在地行政区划"].strip(),
                "status": row["状态"].strip(),
            }
        return out

    def county_of(self, code: str, types: tuple[str, ...] | None = None) -> str | None:
        """The county of an open school (of one of ``types`` when given), else None."""
        school = self.schools.get(code)
        if school is None or school["status"] != "正常":
            return None
        if types is not None and not school["type"].startswith(types):
            return None
        return school["county"]

    def _school_county(self, code: str) -> str:
        school = self.schools.get(code)
        return school["county"] if school else ""

    # --- complete snapshots (files) ----------------------------------------------------------

    def snapshots(
        self,
        rel_dir: str,
        first_column: str,
        key: Callable[[str, Row], tuple[str, ...]],
        in_scope: Callable[[str, Row], bool],
        partition: Callable[[str], str] = lambda stem: stem.split("_")[1],
    ) -> tuple[dict[tuple[str, ...], Row], list[set[tuple[str, ...]]]]:
        """Replay the workbooks of ``rel_dir`` in the order the pulls loaded them.

        Returns the records the hub should hold now (key -> raw row) and, per pull, every key
        it had held by the end of that pull (leavers included). ``key(file stem, row)``;
        ``in_scope(partition, row)``: does a held row belong to the partition a file covers.
        """
        held: dict[tuple[str, ...], Row] = {}
        ever: set[tuple[str, ...]] = set()
        per_pull: list[set[tuple[str, ...]]] = []
        before: dict[str, str] = {}
        for state in self.states:
            files = state.files(rel_dir, ".xlsx")
            new = [name for name, body in files.items() if before.get(name) != body]
            before = files
            new.sort(key=lambda n: (Path(n).stem.split("_")[-1], partition(Path(n).stem)))
            for name in new:
                path = state.folder / rel_dir / name
                part = partition(path.stem)
                present: set[tuple[str, ...]] = set()
                for sheet in read_sheets(path, state.folder, first_column):
                    for row_no, row in sheet.rows:
                        k = key(path.stem, row)
                        faulty = (sheet.file, _locator(row=row_no, sheet=sheet.name))
                        if k in present or faulty in state.faults:
                            present.add(k)
                            continue
                        present.add(k)
                        held[k] = row
                        ever.add(k)
                for k in [k for k, row in held.items() if k not in present]:
                    if in_scope(part, held[k]):
                        del held[k]
            per_pull.append(set(ever))
        return held, per_pull

    @cached_property
    def _pupils(self) -> tuple[dict[tuple[str, ...], Row], list[set[tuple[str, ...]]]]:
        return self.snapshots(
            "files/student_registry",
            "全国学籍号",
            key=lambda stem, r: (text(r["全国学籍号"]).upper(),),
            in_scope=lambda county, r: self._school_county(text(r["学校标识码"])) == county,
        )

    @property
    def pupils(self) -> list[Row]:
        """Pupils on the registry now (the newest snapshot of each county, faults kept old)."""
        return list(self._pupils[0].values())

    def known_pupils(self, pull: int) -> set[str]:
        """学籍号 the hub had held by the end of pull ``pull`` (leavers included)."""
        return {k[0] for k in self._pupils[1][pull]}

    @cached_property
    def staff(self) -> list[Row]:
        held, _ = self.snapshots(
            "files/teachers",
            "教职工号",
            key=lambda stem, r: (text(r["教职工号"]).upper(),),
            in_scope=lambda city, r: self._school_county(text(r["学校标识码"]))[:4] == city[:4],
        )
        return list(held.values())

    # --- added and updated by key (exchange database, HTTP sources) --------------------------

    def upserts(
        self,
        rows_of: Callable[[State], list[Row]],
        key: Callable[[Row], tuple[str, ...]],
        faulty: Callable[[State, Row], bool],
        pupil: Callable[[Row], str] | None = None,
    ) -> dict[tuple[str, ...], Row]:
        """Rows held now: each key's newest good version, gone when flagged ``is_deleted``;
        with ``pupil``, only rows whose pupil the registry has held by now."""
        held: dict[tuple[str, ...], Row] = {}
        for state in self.states:
            for row in rows_of(state):
                if faulty(state, row):
                    continue
                if row.get("is_deleted"):
                    held.pop(key(row), None)
                else:
                    held[key(row)] = row
        if pupil is None:
            return held
        known = self.known_pupils(len(self.states) - 1)
        return {k: r for k, r in held.items() if pupil(r) in known}

    def ict(self, quarter: str) -> list[Row]:
        """The ICT survey of ``quarter`` (from the pull whose simulator served that quarter)."""
        held = self.upserts(
            lambda s: [dict(r, quarter=s.simulator["quarter"]) for r in s.api("ict_schools")],
            key=lambda r: (text(r["school_code"]), r["quarter"]),
            faulty=lambda s, r: ("ict_survey", _locator(endpoint="/api/ict/schools",
                                                        key=text(r["school_code"]))) in s.faults,
        )  # fmt: skip
        return [r for r in held.values() if r["quarter"] == quarter]

    # --- indicators ---------------------------------------------------------------------------

    def _ict_sum(
        self, quarter: str, types: tuple[str, ...], num: Callable[[Row], float],
        den: Callable[[Row], float],
    ) -> Counts:  # fmt: skip
        out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for r in self.ict(quarter):
            county = self.county_of(text(r["school_code"]), types)
            if county is not None:
                out[county][0] += num(r)
                out[county][1] += den(r)
        return {c: (v[0], v[1]) for c, v in out.items()}

    def k12_gigabit(self, quarter: str) -> Counts:
        return self._ict_sum(
            quarter, K12, lambda r: number(r["bandwidth_mbps"]) >= 1000, lambda r: 1
        )

    def k12_wireless(self, quarter: str) -> Counts:
        full = "全覆盖"
        return self._ict_sum(
            quarter, K12, lambda r: text(r["wireless_coverage"]) == full, lambda r: 1
        )

    def university_wireless(self, quarter: str) -> Counts:
        full = "全覆盖"
        return self._ict_sum(
            quarter, UNIVERSITY, lambda r: text(r["wireless_coverage"]) == full, lambda r: 1
        )

    def multimedia_classrooms(self, quarter: str) -> Counts:
        return self._ict_sum(
            quarter,
            K12,
            lambda r: number(r["classrooms_multimedia"]),
            lambda r: number(r["classrooms_total"]),
        )

    def _spaces(self, quarter: str, column: str, people: list[Row]) -> Counts:
        """Spaces opened (survey of the quarter) over the people now on the registries of the
        K-12 schools surveyed that quarter."""
        opened = self._ict_sum(quarter, K12, lambda r: number(r[column]), lambda r: 0)
        surveyed = {text(r["school_code"]) for r in self.ict(quarter)}
        heads: dict[str, float] = defaultdict(float)
        for person in people:
            code = text(person["学校标识码"])
            county = self.county_of(code, K12) if code in surveyed else None
            if county is not None:
                heads[county] += 1
        return {c: (opened.get(c, (0.0, 0.0))[0], heads.get(c, 0.0)) for c in opened.keys() | heads}

    def teacher_spaces(self, quarter: str) -> Counts:
        return self._spaces(quarter, "teacher_spaces_opened", self.staff)

    def student_spaces(self, quarter: str) -> Counts:
        enrolled = [p for p in self.pupils if text(p["学籍状态"]) == "在籍"]
        return self._spaces(quarter, "student_spaces_opened", enrolled)

    @cached_property
    def statistics(self) -> list[Row]:
        held, _ = self.snapshots(
            "files/statistics",
            "学校标识码",
            key=lambda stem, r: (text(r["学校标识码"]), stem.split("_")[2], text(r["年级"])),
            in_scope=lambda part, r: False,  # nothing has left: every file is read once
        )
        return [dict(r, 统计年份=k[1]) for k, r in held.items()]

    def _stats(
        self, year: int, num: Callable[[Row], float], den: Callable[[Row], float],
        keep: Callable[[Row], bool] = lambda r: True,
    ) -> Counts:  # fmt: skip
        out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for r in self.statistics:
            county = self.county_of(text(r["学校标识码"]), K12)
            if county is None or r["统计年份"] != str(year) or not keep(r):
                continue
            out[county][0] += num(r)
            out[county][1] += den(r)
        return {c: (v[0], v[1]) for c, v in out.items()}

    def classes_56_65(self, year: int) -> Counts:
        return self._stats(
            year,
            lambda r: number(r["56-60人"]) + number(r["61-65人"]),
            lambda r: number(r["班级数"]),
        )

    def classes_66_plus(self, year: int) -> Counts:
        return self._stats(year, lambda r: number(r["66人及以上"]), lambda r: number(r["班级数"]))

    def classes_56_plus(self, year: int) -> Counts:
        bands = ("56-60人", "61-65人", "66人及以上")
        return self._stats(
            year, lambda r: sum(number(r[b]) for b in bands), lambda r: number(r["班级数"])
        )

    def pupil_teacher_ratio(self, year: int) -> Counts:
        return self._stats(
            year,
            lambda r: number(r["学生数"]),
            lambda r: number(r["专任教师数"]),
            keep=lambda r: text(r["专任教师数"]) != "",
        )

    def _exchange_faulty(self, table: str) -> Callable[[State, Row], bool]:
        return lambda s, r: ("exchange.db", _locator(id=r["id"], table=table)) in s.faults

    def poor_children(self) -> set[str]:
        """ID numbers (upper case) of the children of registered poor households."""
        held = self.upserts(
            lambda s: s.exchange("jdlk_pkh"),
            key=lambda r: (r["id"],),
            faulty=self._exchange_faulty("jdlk_pkh"),
        )
        return {text(r["sfzjh"]).upper() for r in held.values()}

    def paid(self, school_year: str) -> set[str]:
        """学籍号 with at least one payment of ``school_year``."""
        held = self.upserts(
            lambda s: s.exchange("xszz_ffmx"),
            key=lambda r: (r["id"],),
            faulty=self._exchange_faulty("xszz_ffmx"),
            pupil=lambda r: text(r["xjh"]).upper(),
        )
        return {text(r["xjh"]).upper() for r in held.values() if r["xn"] == school_year}

    def aid_gap(self, school_year: str) -> set[str]:
        """学籍号 of poor households' children on the registry with no payment in the year."""
        poor, paid = self.poor_children(), self.paid(school_year)
        return {
            text(p["全国学籍号"]).upper()
            for p in self.pupils
            if text(p["身份证件号"]).upper() in poor and text(p["全国学籍号"]).upper() not in paid
        }

    def aid_coverage(self, school_year: str) -> Counts:
        """Children of registered poor households found among the pupils (by ID number), aided
        when a payment of ``school_year`` names their 学籍号; county of their school."""
        poor, paid = self.poor_children(), self.paid(school_year)
        out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for p in self.pupils:
            if text(p["身份证件号"]).upper() not in poor:
                continue
            county = self.county_of(text(p["学校标识码"]))
            if county is not None:
                out[county][0] += text(p["全国学籍号"]).upper() in paid
                out[county][1] += 1
        return {c: (v[0], v[1]) for c, v in out.items()}

    def health_pass_rate(self, school_year: str) -> Counts:
        """Each pupil once, with the latest test of the school year."""
        held = self.upserts(
            lambda s: [dict(r, school_year=s.simulator["school_year"])
                       for r in s.api("health_tests")],
            key=lambda r: (text(r["xjh"]).upper(), text(r["test_date"])),
            faulty=lambda s, r: ("physical_health", _locator(endpoint="/api/v2/tests",
                                                             key=text(r["xjh"]))) in s.faults,
            pupil=lambda r: text(r["xjh"]).upper(),
        )  # fmt: skip
        latest: dict[str, Row] = {}
        for (xjh, day), r in held.items():
            if r["school_year"] == school_year and (xjh not in latest or day > latest[xjh]["_day"]):
                latest[xjh] = dict(r, _day=day)
        out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for r in latest.values():
            county = self.county_of(text(r["school_code"]))
            if county is not None:
                out[county][0] += text(r["grade_level"]) in PASS
                out[county][1] += 1
        return {c: (v[0], v[1]) for c, v in out.items()}

    @cached_property
    def graduate_rows(self) -> list[Row]:
        held, _ = self.snapshots(
            "files/graduate_employment",
            "学号",
            key=lambda stem, r: (stem.split("_")[1], text(r["学号"]).upper(), text(r["毕业年份"])),
            in_scope=lambda part, r: False,  # one file per university and year, read once
        )
        return [dict(r, 院校代码=k[0]) for k, r in held.items()]

    def graduates(self, year: int, hit: Callable[[str], bool], degree: str | None = None) -> Counts:
        out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for r in self.graduate_rows:
            county = self.county_of(r["院校代码"])
            if county is None or number(r["毕业年份"]) != year:
                continue
            if degree is not None and text(r["学历层次"]) != DEGREES[degree]:
                continue
            out[county][0] += hit(text(r["去向类别"]))
            out[county][1] += 1
        return {c: (v[0], v[1]) for c, v in out.items()}


def roll_up(counts: Counts, province: str = "320000") -> Counts:
    """County counts plus their cities' and the province's sums (Jiangsu: city = AAAA00)."""
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for county, (num, den) in counts.items():
        for code in {county, county[:4] + "00", province}:
            out[code][0] += num
            out[code][1] += den
    return {c: (v[0], v[1]) for c, v in out.items()}
