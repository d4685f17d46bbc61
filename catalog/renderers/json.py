"""The entries as JSON, exactly as published, plus the derived personal-field list."""

from __future__ import annotations

import orjson

from catalog.model import Entry
from catalog.renderers.base import CATALOG_TITLE_EN, CATALOG_TITLE_ZH, ExportContext, Renderer


class JsonRenderer(Renderer):
    name = "json"
    media_type = "application/json"
    extension = "json"

    def render(self, entries: list[Entry], context: ExportContext) -> bytes:
        body = {
            "title": CATALOG_TITLE_ZH,
            "title_en": CATALOG_TITLE_EN,
            "version": context.version,
            "generated": context.generated.isoformat(),
            "count": len(entries),
            "resources": [
                {**e.model_dump(mode="json"), "personal_fields": e.personal_fields} for e in entries
            ],
        }
        return orjson.dumps(body, option=orjson.OPT_INDENT_2)
