"""Importing and creating the app loads no GIS library: a server answering dataset pulls and
exports keeps GeoPandas, pandas, SciPy, pyogrio, shapely, Folium and Matplotlib out of memory
(they load with the first map or OGC request)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

GIS = ("geopandas", "pandas", "scipy", "pyogrio", "shapely", "folium", "matplotlib", "mapclassify")

PROBE = """
import json, sys
from hub.api.app import create_app
from hub.settings import Settings
create_app(Settings(database_url=sys.argv[1]))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2].split(","))))
"""


def test_create_app_loads_no_gis_library(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url, ",".join(GIS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-1000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_gis_modules_load_their_libraries_on_first_use() -> None:
    from hub.gis import maps

    assert maps.format_value(0.5, "share") == "50.0%"  # no GIS library needed
    assert len(maps.classify([1.0, 2.0, 3.0, None], k=2)[0]) == 4  # numpy, mapclassify
    assert "numpy" in sys.modules
