"""CSV of the office layout, UTF-8 with a BOM so that Excel opens the Chinese correctly."""

from __future__ import annotations

import csv
import io

from catalog.model import Entry
from catalog.renderers.base import ExportContext, Renderer
from catalog.renderers.table import HEADERS, rows


class CsvRenderer(Renderer):
    name = "csv"
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def render(self, entries: list[Entry], context: ExportContext) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(HEADERS)
        for row in rows(entries):
            writer.writerow(["" if v is None else v for v in row])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
