"""Every planted record is where the manifest says, breaks its rule, or normalises as recorded."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import shapely

from hub.synth.apidata import KEYS
from hub.synth.exports import REGISTRY_COLUMNS, REGISTRY_SHEET, TEACHER_COLUMNS
from hub.synth.graduates import GRAD_COLUMNS
from hub.synth.institutions import CSV_COLUMNS
from hub.synth.places import boundary
from hub.synth.statistics import STAT_COLUMNS
from schemas.codes import check_code, translate
from schemas.identifiers import check_id_number, check_school_code, check_xjh, normalize_text
from schemas.regions_data import adcode_exists

COLUMNS = {
    "student_registry": REGISTRY_COLUMNS,
    "teachers": TEACHER_COLUMNS,
    "statistics": STAT_COLUMNS,
    "graduate_employment": GRAD_COLUMNS,
    "institution_codes": CSV_COLUMNS,
}
API_TABLES = {
    "class_roster": "classes",
    "physical_health": "health_tests",
    "ict_survey": "ict_schools",
}
ID_FIELDS = {"身份证件号", "sfzjh"}


def _csv_lines(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_bytes().decode("gb18030").split("\r\n")]


def _db_row(path: Path, table: str, column: str, value: Any) -> dict[str, Any]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (value,)).fetchall()
    assert len(rows) == 1, (table, column, value)
    return dict(rows[0])


class Located:
    """The planted record's row as the source holds it, and the rows before it."""

    def __init__(self, province: Path, record: dict[str, Any], read_sheet: Any) -> None:
        loc = record["locator"]
        source = record["source"]
        self.before: list[dict[str, Any]] = []
        if "sheet" in loc:
            columns = COLUMNS[source]
            rows = read_sheet(province / record["file"], loc["sheet"])
            self.row = dict(zip(columns, rows[loc["row"] - 1], strict=False))
            header = next(k for k, r in enumerate(rows) if r and r[0] == columns[0])
            self.before = [
                dict(zip(columns, r, strict=False)) for r in rows[header + 1 : loc["row"] - 1]
            ]
        elif "line" in loc:
            lines = _csv_lines(province / record["file"])
            self.fields = lines[loc["line"] - 1]
            self.row = dict(zip(CSV_COLUMNS, self.fields, strict=False))
            self.before = [
                dict(zip(CSV_COLUMNS, f, strict=False)) for f in lines[1 : loc["line"] - 1]
            ]
        elif "table" in loc:
            self.row = _db_row(province / "exchange.db", loc["table"], "id", loc["id"])
        else:
            table = API_TABLES[source]
            self.row = _db_row(province / "api" / "simulator.db", table, KEYS[table], loc["key"])

    def value(self, field: str) -> Any:
        if "," in field:
            lon, lat = field.split(",")
            return self.row[lon], self.row[lat]
        return self.row[field]


def _inside_jiangsu(lon: float, lat: float) -> bool:
    province = boundary("320000")
    shapely.prepare(province)  # cached geometry: prepared once, fast afterwards
    return bool(shapely.contains_xy(province, lon, lat))


def _known(province: Path) -> tuple[set[str], set[str]]:
    import openpyxl

    schools = {
        line[0] for line in _csv_lines(next(province.glob("files/institution_codes/*.csv")))[1:]
    }
    pupils: set[str] = set()
    for path in province.glob("files/student_registry/*.xlsx"):
        workbook = openpyxl.load_workbook(path, read_only=True)
        for row in workbook[REGISTRY_SHEET].iter_rows(values_only=True):
            if row and isinstance(row[0], str) and row[0][:1] in "GJL":
                pupils.add(row[0])
        workbook.close()
    return schools, pupils


def _breaks(
    rule: str, got: Located, record: dict[str, Any], known: tuple[set[str], set[str]]
) -> bool:
    field = record["field"]
    value: Any = got.value(field) if field else None
    schools, pupils = known
    if rule.startswith("id_number."):
        return check_id_number(value).rule == rule
    if rule.startswith("school_code."):
        return check_school_code(value).rule == rule
    if rule.startswith("code."):
        return check_code(rule.removeprefix("code."), value).rule == rule
    if rule == "school.unknown":
        return check_school_code(value).ok and normalize_text(value) not in schools
    if rule == "student.unknown":
        return check_xjh(value).ok and value not in pupils
    if rule == "adcode.unknown":
        return not adcode_exists(normalize_text(value))
    if rule == "required.missing":
        return value in (None, "")
    if rule == "date.invalid":
        try:
            date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            return True
        return False
    if rule == "number.invalid":
        try:
            float(value)
        except ValueError:
            return True
        return False
    if rule.startswith("coords."):
        lon, lat = (float(v) for v in value)
        if rule == "coords.zero":
            return lon == 0 and lat == 0
        if rule == "coords.swapped":
            return not _inside_jiangsu(lon, lat) and _inside_jiangsu(lat, lon)
        return (
            not _inside_jiangsu(lon, lat) and not _inside_jiangsu(lat, lon) and (lon, lat) != (0, 0)
        )
    if rule == "duplicate.exact":
        return got.row in got.before
    if rule == "duplicate.two_schools":
        key = got.row["全国学籍号"]
        return any(
            r["全国学籍号"] == key and r["学校标识码"] != got.row["学校标识码"] for r in got.before
        )
    if rule == "csv.truncated":
        return len(got.fields) < len(CSV_COLUMNS)
    raise AssertionError(f"no oracle for rule {rule}")


def _normalises(got: Located, record: dict[str, Any]) -> bool:
    field, raw, expected = record["field"], record["raw"], record["normalised"]
    value = got.value(field)
    if value != raw and not (isinstance(raw, float) and value == pytest.approx(raw)):
        return False
    if field in ID_FIELDS:
        check = check_id_number(raw)
        return check.ok and check.value == expected
    if isinstance(raw, int) and field == "出生日期":
        return (date(1899, 12, 30) + timedelta(days=raw)).isoformat() == expected
    if isinstance(raw, str) and isinstance(expected, int | float):
        return float(raw) == float(expected)
    if field == "民族":
        return translate("ethnicity", raw) == expected
    return normalize_text(raw) == expected


def test_plant_about_one_percent_faults_and_quirks(manifest: dict[str, Any]) -> None:
    kinds = Counter(d["kind"] for d in manifest["dirty"])
    records = sum(c["records"] for c in manifest["counts"].values())
    assert 0.005 < kinds["fault"] / records < 0.02
    assert 0.005 < kinds["quirk"] / records < 0.02
    assert {d["source"] for d in manifest["dirty"]} >= {
        "student_registry", "teachers", "institution_codes", "student_aid", "physical_health",
        "graduate_employment",
    }  # fmt: skip


def test_every_planted_fault_breaks_its_rule(
    province: Path, manifest: dict[str, Any], read_sheet: Any
) -> None:
    known = _known(province)
    faults = [d for d in manifest["dirty"] if d["kind"] == "fault"]
    wrong = [
        (d["source"], d["rule"], d["locator"])
        for d in faults
        if not _breaks(d["rule"], Located(province, d, read_sheet), d, known)
    ]
    assert wrong == []
    assert len({d["rule"] for d in faults}) >= 12


def test_every_planted_quirk_normalises_to_recorded_value(
    province: Path, manifest: dict[str, Any], read_sheet: Any
) -> None:
    quirks = [d for d in manifest["dirty"] if d["kind"] == "quirk"]
    assert quirks
    wrong = [
        (d["source"], d["field"], d["raw"], d["normalised"])
        for d in quirks
        if not _normalises(Located(province, d, read_sheet), d)
    ]
    assert wrong == []


def test_every_clean_identifier_passes_the_validators(
    province: Path, manifest: dict[str, Any], read_sheet: Any
) -> None:
    planted = {
        (d["file"], d["locator"]["row"])
        for d in manifest["dirty"]
        if d["source"] == "student_registry"
    }
    checked = 0
    for path in sorted(province.glob("files/student_registry/*.xlsx")):
        rel = str(path.relative_to(province))
        rows = read_sheet(path, REGISTRY_SHEET)
        first = manifest["files"][rel]["first_data_row"]
        for number, row in enumerate(rows[first - 1 :], start=first):
            if not row[0] or (rel, number) in planted:
                continue
            assert check_xjh(row[0]).ok, row[0]
            if row[5] == "1":
                assert check_id_number(row[6]).ok, row[6]
                if row[0].startswith("G"):
                    assert row[0][1:] == row[6]
            assert check_school_code(row[7]).ok
            checked += 1
    assert checked > 10_000


@pytest.mark.parametrize(
    ("pattern", "sheet", "id_column"),
    [
        ("files/teachers/*.xlsx", "教职工基本信息", 4),
        ("files/graduate_employment/*.xlsx", "毕业生就业信息", 3),
    ],
)
def test_every_clean_id_number_of_staff_and_graduates_passes(
    province: Path,
    manifest: dict[str, Any],
    read_sheet: Any,
    pattern: str,
    sheet: str,
    id_column: int,
) -> None:
    planted = {(d["file"], d["locator"].get("row")) for d in manifest["dirty"]}
    checked = 0
    for path in sorted(province.glob(pattern)):
        rel = str(path.relative_to(province))
        first = manifest["files"][rel]["first_data_row"]
        rows = read_sheet(path, sheet)
        for number, row in enumerate(rows[first - 1 :], start=first):
            if row[0] is None or (rel, number) in planted:
                continue
            assert check_id_number(row[id_column]).ok, row[id_column]
            checked += 1
    assert checked > 100


CODED = {
    "student_registry": (REGISTRY_COLUMNS, {"性别": "gender", "民族": "ethnicity",
                         "身份证件类型": "id_type", "年级": "grade", "就读方式": "boarding",
                         "学籍状态": "enrolment_status", "留守儿童": "left_behind"}),
    "teachers": (TEACHER_COLUMNS, {"性别": "gender", "岗位类别": "post_category",
                 "任教学段": "teaching_stage"}),
    "graduate_employment": (GRAD_COLUMNS, {"性别": "gender", "学历层次": "degree_level",
                            "去向类别": "destination"}),
}  # fmt: skip


@pytest.mark.parametrize("source", sorted(CODED))
def test_every_clean_coded_value_is_in_its_code_table(
    province: Path, manifest: dict[str, Any], read_sheet: Any, source: str
) -> None:
    columns, tables = CODED[source]
    planted = {(d["file"], d["locator"].get("row")) for d in manifest["dirty"]}
    unknown: set[tuple[str, Any]] = set()
    for rel, layout in manifest["files"].items():
        if not rel.startswith(f"files/{source}/"):
            continue
        rows = read_sheet(province / rel, layout["sheets"][0])
        for number, row in enumerate(
            rows[layout["first_data_row"] - 1 :], start=layout["first_data_row"]
        ):
            if row[0] is None or (rel, number) in planted:
                continue
            for column, table in tables.items():
                value = row[columns.index(column)]
                if value is not None and translate(table, value) is None:
                    unknown.add((column, value))
    assert unknown == set()
