"""Writing and reading layers with pyogrio: the one module that touches GIS file formats.

Every layer leaves the hub in WGS-84 (EPSG:4326) with UTF-8 text, so Chinese names survive in
each format (Shapefiles get a ``.cpg`` saying UTF-8; their field names are cut to 10 characters,
so column names are kept short).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from hub.errors import Invalid
from hub.gis.crs import STORAGE_CRS
from hub.lazy import lazy

if TYPE_CHECKING:
    import geopandas as gpd
    import pyogrio
    import shapely
else:
    gpd = lazy("geopandas")
    pyogrio = lazy("pyogrio")
    shapely = lazy("shapely")

FORMATS: dict[str, tuple[str, str]] = {
    "geojson": ("GeoJSON", ".geojson"),
    "gpkg": ("GPKG", ".gpkg"),
    "shp": ("ESRI Shapefile", ".shp"),
    "fgb": ("FlatGeobuf", ".fgb"),
}


def write_layer(frame: gpd.GeoDataFrame, out: Path, fmt: str, *, layer: str) -> Path:
    """Write ``frame`` as ``fmt`` (geojson | gpkg | shp | fgb) to ``out``; returns the path."""
    if fmt not in FORMATS:
        raise Invalid(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    driver, _ext = FORMATS[fmt]
    frame = frame.to_crs(STORAGE_CRS) if frame.crs is not None else frame.set_crs(STORAGE_CRS)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and fmt != "shp":
        out.unlink()
    options: dict[str, Any] = {}
    if fmt == "shp":
        options["encoding"] = "UTF-8"
    if fmt == "gpkg":
        options["layer"] = layer
    pyogrio.write_dataframe(frame, out, driver=driver, **options)
    return out


def read_layer(path: Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a layer written by ``write_layer`` (or any OGR source) back as a GeoDataFrame."""
    return pyogrio.read_dataframe(path, layer=layer)


def feature_collection(
    frame: gpd.GeoDataFrame, *, id_column: str | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection dict (WGS-84), ready for orjson."""
    frame = frame.to_crs(STORAGE_CRS) if frame.crs is not None else frame
    props = [c for c in frame.columns if c != frame.geometry.name]
    geoms = shapely.to_geojson(frame.geometry.values)
    features = []
    for (_, row), geom in zip(frame[props].iterrows(), geoms, strict=True):
        record = {k: _plain(v) for k, v in row.items()}
        feature: dict[str, Any] = {
            "type": "Feature",
            "geometry": orjson.loads(geom) if geom is not None else None,
            "properties": record,
        }
        if id_column is not None:
            feature["id"] = record[id_column]
        features.append(feature)
    return {"type": "FeatureCollection", "features": features, **(extra or {})}


def _plain(value: Any) -> Any:
    """numpy scalars and NaN to what JSON can carry."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
