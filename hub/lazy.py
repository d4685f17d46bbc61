"""Heavy third-party modules imported on first use, so that importing the app does not load them.

A server answering dataset pulls never needs GeoPandas, pandas, SciPy or pyogrio (about 150 MB
of resident memory); the GIS modules name them through ``lazy("geopandas")``, which imports on
the first attribute read (``importlib.import_module``: thread-safe, the import lock makes a
second thread wait for the first). Modules keep the real import under ``TYPE_CHECKING`` for
mypy::

    if TYPE_CHECKING:
        import geopandas as gpd
    else:
        gpd = lazy("geopandas")
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for a module until an attribute is read, then forwards to the imported module."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            self._module = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy(name: str) -> Any:
    return LazyModule(name)
