"""Reading file drops as real exports are: header below a title, merged two-line headers, blank
rows, CSV encodings and truncated lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from connectors.streams import FileRef
from connectors.transports.file_drop import (
    EXTRA_AHEAD,
    EXTRA_AHEAD_BYTES,
    _window,
    find_header,
    fingerprint,
    read_csv,
    read_workbook,
    sniff_encoding,
)
from tests.connectors.factories import write_xlsx

BANDS = ["25人及以下", "26-30人"]


def test_find_header_skips_title_rows() -> None:
    rows: list[list[Any]] = [
        ["学籍名册 2026 年 9 月", "", ""],
        ["全国学籍号", "姓名", "性别"],
        ["G1", "张三", "1"],
    ]
    assert find_header(rows, ["全国学籍号", "姓名", "性别"]) == (["全国学籍号", "姓名", "性别"], 2)


def test_find_header_joins_two_line_merged_header() -> None:
    rows: list[list[Any]] = [
        ["学校标识码", "年级", "班额分布", "", "专任教师数"],
        ["", "", "25人及以下", "26-30人", ""],
        ["2132070001", "一年级", 1, 2, 3],
    ]
    names, first = find_header(rows, ["学校标识码", "年级", *BANDS, "专任教师数"])
    assert names == ["学校标识码", "年级", *BANDS, "专任教师数"]
    assert first == 2


def test_find_header_fails_without_expected_columns() -> None:
    with pytest.raises(ValueError, match="no header row"):
        find_header([["a", "b"], ["1", "2"]], ["全国学籍号", "姓名"])


def test_read_workbook_gives_spreadsheet_row_numbers_and_skips_blank_rows(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "x.xlsx",
        "学生基本信息",
        ["全国学籍号", "姓名"],
        [{"全国学籍号": "G1", "姓名": "张三"}, {"全国学籍号": "G2", "姓名": "李四"}],
        title="名册",
        blank_rows=3,
    )
    records = list(read_workbook(path, ["全国学籍号", "姓名"], lambda name: True))
    assert [r.locator for r in records] == [
        {"sheet": "学生基本信息", "row": 3},
        {"sheet": "学生基本信息", "row": 4},
    ]
    assert records[1].raw == {"全国学籍号": "G2", "姓名": "李四"}


def test_read_workbook_leaves_out_unnamed_columns_and_keeps_short_rows(tmp_path: Path) -> None:
    """A column without a header (a clerk's note) is not part of the record; a row shorter
    than the header gives the columns it has."""
    path = tmp_path / "x.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("学生基本信息")
    sheet.write_row(0, 0, ["全国学籍号", None, "姓名"])
    sheet.write_row(1, 0, ["G1", "备注", "张三"])
    sheet.write_row(2, 0, ["G2"])
    book.close()
    records = list(read_workbook(path, ["全国学籍号", "姓名"], lambda name: True))
    assert [r.raw for r in records] == [
        {"全国学籍号": "G1", "姓名": "张三"},
        {"全国学籍号": "G2", "姓名": ""},
    ]


def test_read_workbook_reads_merged_header_written_by_excel(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("教基1001_小学")
    ws.merge_range(0, 0, 1, 0, "学校标识码")
    ws.merge_range(0, 1, 0, 2, "班额分布")
    ws.write_string(1, 1, BANDS[0])
    ws.write_string(1, 2, BANDS[1])
    ws.write_row(2, 0, ["2132070001", 3, 4])
    book.close()
    (record,) = read_workbook(path, ["学校标识码", *BANDS], lambda name: True)
    assert record.raw == {"学校标识码": "2132070001", BANDS[0]: 3, BANDS[1]: 4}
    assert record.locator["row"] == 3


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("gb18030", "gb18030"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")],
)
def test_sniff_encoding_tells_gb18030_from_utf8(encoding: str, expected: str) -> None:
    assert sniff_encoding("学校标识码,学校名称\r\n".encode(encoding)) == expected


def _csv(tmp_path: Path, text: str, encoding: str = "gb18030") -> Path:
    path = tmp_path / "c.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_read_csv_reports_truncated_last_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "学校标识码,学校名称,状态\r\n2132070001,甲小学,正常\r\n2132070002,乙")
    records, rejects = read_csv(path, ["学校标识码", "学校名称", "状态"])
    assert [r.raw["学校标识码"] for r in records] == ["2132070001"]
    ((record, reject),) = rejects
    assert (record.locator, reject.rule) == ({"line": 3}, "csv.truncated")


def test_read_csv_accepts_last_line_without_line_break_when_complete(tmp_path: Path) -> None:
    path = _csv(tmp_path, "学校标识码,学校名称,状态\r\n2132070001,甲小学,正常", "utf-8-sig")
    records, rejects = read_csv(path, ["学校标识码", "学校名称", "状态"])
    assert (len(records), rejects) == (1, [])


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"a")
    first = fingerprint(path)
    path.write_bytes(b"b")
    assert (first.name, first.size) == (path.name, 1)
    assert fingerprint(path).sha256 != first.sha256


def test_workers_get_files_ahead_within_a_byte_budget() -> None:
    """One file per worker ahead of the runner's, and up to EXTRA_AHEAD more while they are
    small: a run of large county files is not all held prepared at once."""
    mb = 1 << 20

    def refs(*sizes: int) -> list[FileRef]:
        return [FileRef(None, f"{i}.xlsx", size, "") for i, size in enumerate(sizes)]

    small = refs(*[mb] * 8)
    assert _window(small, 0, 1) == range(2 + EXTRA_AHEAD)
    assert _window(small, 6, 1) == range(6, 8)  # the end of the list
    assert _window(small, 0, 2) == range(3 + EXTRA_AHEAD)
    large = refs(mb, mb, EXTRA_AHEAD_BYTES + 1, mb, mb)
    assert _window(large, 0, 1) == range(2)  # the next one would pass the budget
    assert _window(large, 1, 1) == range(1, 5)  # the large file is the worker's own one
