"""WGS-84 / GCJ-02 / BD-09 conversions, so web-map coordinates can be stored as WGS-84.

Sources geocode schools on AMap (GCJ-02) or Baidu (BD-09); the hub stores WGS-84. The constants
are the widely copied ones (standards.md §7.1). Every function takes scalars or numpy arrays:
scalars give floats back, arrays give arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias, overload

import numpy as np
import numpy.typing as npt

A = 6378245.0  # Krasovsky semi-major axis
EE = 0.00669342162296594323  # Krasovsky eccentricity squared
PI = 3.1415926535897932384626
X_PI = PI * 3000.0 / 180.0

# lon_min, lat_min, lon_max, lat_max. The AMap land polygon of 320000 reaches 121.975 E (启东), so
# the east edge is 122.05 rather than 121.95; the other edges keep a ~0.06 degree margin too.
JIANGSU_BBOX: tuple[float, float, float, float] = (116.3, 30.7, 122.05, 35.2)

GCJ_TOLERANCE = 1e-9  # degrees, about 0.1 mm: where the iterative inverse stops

FloatArray: TypeAlias = npt.NDArray[np.float64]
Coords: TypeAlias = npt.NDArray[Any] | Sequence[float]
Pair: TypeAlias = tuple[FloatArray, FloatArray]


def _arrays(lon: float | Coords, lat: float | Coords) -> Pair:
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _result(lon: FloatArray, lat: FloatArray, scalar: bool) -> Any:
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def _is_scalar(lon: float | Coords, lat: float | Coords) -> bool:
    return bool(np.ndim(lon) == 0 and np.ndim(lat) == 0)


def _out_of_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


@overload
def out_of_china(lon: float, lat: float) -> bool: ...
@overload
def out_of_china(lon: Coords, lat: Coords) -> npt.NDArray[np.bool_]: ...
def out_of_china(lon: float | Coords, lat: float | Coords) -> Any:
    """True where no GCJ-02 offset applies (the box the offset formulas are defined for)."""
    result = _out_of_china(*_arrays(lon, lat))
    return bool(result) if _is_scalar(lon, lat) else result


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * PI) + 20.0 * np.sin(2.0 * x * PI)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * PI) + 40.0 * np.sin(y / 3.0 * PI)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * PI) + 320.0 * np.sin(y * PI / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * PI) + 20.0 * np.sin(2.0 * x * PI)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * PI) + 40.0 * np.sin(x / 3.0 * PI)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * PI) + 300.0 * np.sin(x / 30.0 * PI)) * 2.0 / 3.0
    return ret


def _to_gcj(lon: FloatArray, lat: FloatArray) -> Pair:
    """The GCJ-02 forward offset; points outside China are returned unchanged."""
    x, y = lon - 105.0, lat - 35.0
    rad_lat = lat / 180.0 * PI
    magic = 1.0 - EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (_transform_lat(x, y) * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI)
    d_lon = (_transform_lon(x, y) * 180.0) / (A / sqrt_magic * np.cos(rad_lat) * PI)
    outside = _out_of_china(lon, lat)
    return np.where(outside, lon, lon + d_lon), np.where(outside, lat, lat + d_lat)


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: Coords, lat: Coords) -> Pair: ...
def wgs84_to_gcj02(lon: float | Coords, lat: float | Coords) -> Any:
    """GPS / OSM coordinates to the offset ones AMap and Tencent use."""
    return _result(*_to_gcj(*_arrays(lon, lat)), _is_scalar(lon, lat))


@overload
def gcj02_to_wgs84(lon: float, lat: float, iterations: int = 20) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: Coords, lat: Coords, iterations: int = 20) -> Pair: ...
def gcj02_to_wgs84(lon: float | Coords, lat: float | Coords, iterations: int = 20) -> Any:
    """AMap coordinates back to WGS-84 by iterating the forward offset.

    The usual one-step inverse is ~1 m off; repeating wgs -= forward(wgs) - gcj until the largest
    correction is below ``GCJ_TOLERANCE`` (at most ``iterations`` times) gets well under 0.1 m.
    """
    gcj_lon, gcj_lat = _arrays(lon, lat)
    wgs_lon, wgs_lat = gcj_lon.copy(), gcj_lat.copy()
    for _ in range(iterations):
        fwd_lon, fwd_lat = _to_gcj(wgs_lon, wgs_lat)
        d_lon, d_lat = fwd_lon - gcj_lon, fwd_lat - gcj_lat
        wgs_lon, wgs_lat = wgs_lon - d_lon, wgs_lat - d_lat
        worst = np.abs(np.concatenate([np.ravel(d_lon), np.ravel(d_lat)]))
        if np.max(worst, initial=0.0, where=np.isfinite(worst)) < GCJ_TOLERANCE:
            break
    return _result(wgs_lon, wgs_lat, _is_scalar(lon, lat))


@overload
def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(lon: Coords, lat: Coords) -> Pair: ...
def gcj02_to_bd09(lon: float | Coords, lat: float | Coords) -> Any:
    """AMap coordinates to Baidu's BD-09 (a second offset on top of GCJ-02)."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * X_PI)
    return _result(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, _is_scalar(lon, lat))


@overload
def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(lon: Coords, lat: Coords) -> Pair: ...
def bd09_to_gcj02(lon: float | Coords, lat: float | Coords) -> Any:
    """Baidu coordinates back to GCJ-02."""
    bd_lon, bd_lat = _arrays(lon, lat)
    x, y = bd_lon - 0.0065, bd_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    return _result(z * np.cos(theta), z * np.sin(theta), _is_scalar(lon, lat))


def in_bbox(lon: float, lat: float, bbox: tuple[float, float, float, float] = JIANGSU_BBOX) -> bool:
    """True if the point lies in the (lon_min, lat_min, lon_max, lat_max) box, edges included."""
    lon_min, lat_min, lon_max, lat_max = bbox
    return lon_min <= lon <= lon_max and lat_min <= lat <= lat_max


def looks_swapped(lon: float, lat: float) -> bool:
    """True if the pair only lands in Jiangsu read the other way round (a common entry slip)."""
    return in_bbox(lat, lon) and not in_bbox(lon, lat)
