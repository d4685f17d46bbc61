"""The Excel workbook offices circulate: frozen Chinese header, one row per 信息项."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from catalog.model import Entry
from catalog.renderers.base import CATALOG_TITLE_ZH, ExportContext, Renderer
from catalog.renderers.table import HEADERS, rows

SHEET = "信息资源目录"
WIDE = {"信息资源摘要": 60, "共享条件": 40, "共享依据": 40, "行范围规则": 30}


class ExcelRenderer(Renderer):
    name = "xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    def render(self, entries: list[Entry], context: ExportContext) -> bytes:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = SHEET
        sheet.append(list(HEADERS))
        for row in rows(entries):
            sheet.append(row)
        header_fill = PatternFill("solid", fgColor="DDEBF7")
        for n, header in enumerate(HEADERS, start=1):
            cell = sheet.cell(row=1, column=n)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            sheet.column_dimensions[get_column_letter(n)].width = WIDE.get(header, 16)
        sheet.freeze_panes = "C2"
        sheet.auto_filter.ref = sheet.dimensions
        about = book.create_sheet("说明")
        about.append(["目录", CATALOG_TITLE_ZH])
        about.append(["版本", context.version])
        about.append(["生成时间", context.generated.isoformat()])
        about.append(["信息资源数", len(entries)])
        about.append(["信息项数", sum(len(e.items) for e in entries)])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
