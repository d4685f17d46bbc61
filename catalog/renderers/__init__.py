"""Export formats of the catalog, one renderer class each (see ``RENDERERS``)."""

from __future__ import annotations

from catalog.renderers.base import ExportContext, Renderer
from catalog.renderers.csv import CsvRenderer
from catalog.renderers.dcat import JsonLdRenderer, TurtleRenderer
from catalog.renderers.excel import ExcelRenderer
from catalog.renderers.json import JsonRenderer

RENDERERS: dict[str, type[Renderer]] = {
    r.name: r for r in (ExcelRenderer, CsvRenderer, JsonRenderer, TurtleRenderer, JsonLdRenderer)
}

__all__ = ["RENDERERS", "ExportContext", "Renderer"]
