"""The written files: reproducible bytes, readable workbooks, a GB18030 CSV, the layout recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from python_calamine import CalamineWorkbook

from hub.synth.build import generate
from hub.synth.exports import REGISTRY_COLUMNS, REGISTRY_SHEET

from .conftest import SCALE, SEED


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_generate_same_seed_gives_identical_bytes(province: Path, tmp_path: Path) -> None:
    generate(int(SEED), float(SCALE), tmp_path / "again", workers=1)
    first, second = _files(province), _files(tmp_path / "again")
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_generate_other_seed_gives_other_data(province: Path, tmp_path: Path) -> None:
    generate(int(SEED) + 1, float(SCALE), tmp_path / "other", workers=2)
    assert (tmp_path / "other" / "exchange.db").read_bytes() != (
        province / "exchange.db"
    ).read_bytes()


def test_write_every_source_named_as_the_contract_says(
    province: Path, manifest: dict[str, Any]
) -> None:
    config = yaml.safe_load((province / "sources.yaml").read_text(encoding="utf-8"))
    for name, source in config["sources"].items():
        if source["transport"] == "file_drop":
            found = list((province / source["path"]).glob(source["pattern"]))
            assert found, name
            assert manifest["counts"][name]["files"] == len(found)
    assert (province / "exchange.db").is_file()
    assert config["sources"]["physical_health"]["client_secret"]


def test_open_every_workbook_in_openpyxl_and_calamine(
    province: Path, manifest: dict[str, Any], read_sheet: Any
) -> None:
    workbooks = sorted(province.glob("files/**/*.xlsx"))
    assert workbooks
    for path in workbooks:
        layout = manifest["files"][str(path.relative_to(province))]
        calamine = CalamineWorkbook.from_path(str(path))
        assert calamine.sheet_names == layout["sheets"]
        for sheet in layout["sheets"]:
            rows = read_sheet(path, sheet)
            cal_rows = calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            header_row = layout["first_data_row"] - 1  # 1-based row of the (last) header line
            for k in range(header_row - layout["header_rows"], header_row):
                as_text = ["" if v is None else v for v in rows[k]]
                assert as_text == list(cal_rows[k][: len(as_text)])
            data_rows = len(rows) - header_row - layout["trailing_blank_rows"]
            assert data_rows > 0
            assert all(
                v is None for r in rows[len(rows) - layout["trailing_blank_rows"] :] for v in r
            )


def test_write_registry_header_below_optional_title(
    province: Path, manifest: dict[str, Any], read_sheet: Any
) -> None:
    for path in sorted(province.glob("files/student_registry/*.xlsx")):
        layout = manifest["files"][str(path.relative_to(province))]
        rows = read_sheet(path, REGISTRY_SHEET)
        assert rows[layout["first_data_row"] - 2] == REGISTRY_COLUMNS
        if layout["title_rows"]:
            assert "学籍" in rows[0][0]


def test_write_statistics_with_two_line_merged_header(province: Path) -> None:
    import openpyxl

    path = sorted(province.glob("files/statistics/*.xlsx"))[0]
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A1:A2" in merged
    assert "E1:N1" in merged
    assert sheet["E1"].value == "班额分布"
    assert sheet["E2"].value == "25人及以下"
    assert all(ws.title.startswith("教基1001_") for ws in workbook.worksheets)


def test_decode_institution_csv_only_as_gb18030_with_crlf(province: Path) -> None:
    (path,) = province.glob("files/institution_codes/*.csv")
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert text.startswith("学校标识码,学校名称")
    assert "\r\n" in text
    assert "\n" not in text.replace("\r\n", "")
