"""Writers for the file drops: .xlsx (streaming for big sheets) and GB18030 CSV.

Both are byte-reproducible: the workbook's document dates are fixed to the period and XlsxWriter
stamps zip entries with a constant time; CSV is GB18030 with CRLF line ends, as Windows exports are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from hub.synth.sheetxml import write_plain_xlsx


@dataclass
class Sheet:
    """One worksheet: an optional title row, one or two header rows, data, trailing blanks."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    title: str | None = None
    # Two-line header: {column index: group label} for columns whose label spans two rows
    # is given by ``groups`` = [(first col, last col, group label)]; other columns merge vertically.
    groups: Sequence[tuple[int, int, str]] = ()
    trailing_blank_rows: int = 0
    text_columns: frozenset[int] = field(default_factory=frozenset)

    @property
    def header_rows(self) -> int:
        return 2 if self.groups else 1

    @property
    def first_data_row(self) -> int:
        """1-based spreadsheet row of the first data row."""
        return (1 if self.title else 0) + self.header_rows + 1


def write_xlsx(path: Path, sheets: Sequence[Sheet], stamp: datetime) -> None:
    """Write ``sheets`` to ``path`` with document dates fixed to ``stamp``.

    Plain sheets (every big file) stream through ``sheetxml``; a workbook with a two-line merged
    header (statistics, small) goes through XlsxWriter, which handles merges and formats. Its
    constant-memory mode cannot merge across rows, and the sheets are small, so it is off.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not any(sheet.groups for sheet in sheets):
        write_plain_xlsx(path, sheets, stamp)
        return
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": False,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties({"created": stamp, "author": "eduhub synth", "title": ""})
    head = workbook.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    blank = workbook.add_format({"border": 0, "num_format": "@"})
    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.name)
        r = 0
        if sheet.title:
            ws.write_string(0, 0, sheet.title)
            r = 1
        if sheet.groups:
            grouped = {c for first, last, _ in sheet.groups for c in range(first, last + 1)}
            # Row order matters in constant-memory mode: write the top header row first.
            top: dict[int, Any] = {}
            for first, last, label in sheet.groups:
                top[first] = ("group", last, label)
            for c, label in enumerate(sheet.header):
                if c not in grouped:
                    top[c] = ("vertical", c, label)
            for c in sorted(top):
                how, last, label = top[c]
                if how == "group":
                    ws.merge_range(r, c, r, last, label, head)
                else:
                    ws.merge_range(r, c, r + 1, c, label, head)
            for c in sorted(grouped):
                ws.write_string(r + 1, c, sheet.header[c], head)
            r += 2
        else:
            for c, label in enumerate(sheet.header):
                ws.write_string(r, c, label, head)
            r += 1
        write_string, write_number, write_datetime = (
            ws.write_string,
            ws.write_number,
            ws.write_datetime,
        )
        for row in sheet.rows:
            for c, value in enumerate(row):
                if value is None:
                    continue
                kind = type(value)
                if kind is str:
                    if value:
                        write_string(r, c, value)
                elif kind is int or kind is float:
                    write_number(r, c, value)
                elif kind is date or kind is datetime:
                    write_datetime(r, c, value, date_format)
                else:
                    write_string(r, c, str(value))
            r += 1
        for _ in range(sheet.trailing_blank_rows):
            for c in range(len(sheet.header)):
                ws.write_blank(r, c, None, blank)
            r += 1
    workbook.close()


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], tail: str = ""
) -> None:
    """GB18030 CSV with CRLF; ``tail`` is raw text appended as is (a truncated last line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        if tail:
            fh.write(tail)
