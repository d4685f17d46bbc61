"""Every CRS the hub uses, in one place: storage is WGS-84, distances and areas are projected.

Jiangsu spans 116.3-122.0 E. The CGCS2000 3-degree Gauss-Kruger zones with central meridians
117, 120 and 123 E (EPSG:4527, 4528, 4529, "zone number in the easting") cover it; the zone at
120 E (EPSG:4528) is within 4 degrees of every point of the province, where the Gauss-Kruger
scale error stays below 0.2 %, so one zone is used for the whole province (distances between
homes and schools are a few km: the error is metres at worst).
"""

from __future__ import annotations

import math

STORAGE_CRS = "EPSG:4326"  # WGS-84 lon/lat: what the tables, GeoJSON and OGC API use
CGCS2000_GK_ZONES = {117: "EPSG:4527", 120: "EPSG:4528", 123: "EPSG:4529"}
UTM_ZONES = {50: "EPSG:32650", 51: "EPSG:32651"}
PROVINCE_CRS = CGCS2000_GK_ZONES[120]


def gk_zone_for(lon: float) -> str:
    """The CGCS2000 3-degree zone whose central meridian is nearest to ``lon`` (Jiangsu only)."""
    meridian = 3 * round(lon / 3)
    if meridian not in CGCS2000_GK_ZONES:
        raise ValueError(f"longitude {lon} is outside the zones used for Jiangsu (116.5-124.5 E)")
    return CGCS2000_GK_ZONES[meridian]


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Approximate metres per degree of longitude and latitude at ``lat`` (for error reports)."""
    return 111_320.0 * math.cos(math.radians(lat)), 110_574.0
