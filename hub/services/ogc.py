"""OGC API - Features, Part 1 Core: the documents behind ``/ogc`` (landing, collections, items).

Collections are the named layers of ``hub.services.layers``: regions by level, schools,
catchments and one per indicator (county values by default; ``level`` and ``period`` query
parameters pick others). Everything is CRS84 (WGS-84 lon/lat) GeoJSON. Paging is by ``offset``
with ``next``/``prev`` links, as GDAL's OAPIF driver and QGIS follow them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlmodel import Session

from hub.errors import Invalid, NotFound, Unauthorized
from hub.gis import io
from hub.gis.boundaries import load_boundaries
from hub.lazy import lazy
from hub.services import indicators, layers
from hub.settings import Settings

if TYPE_CHECKING:
    import geopandas as gpd
else:
    gpd = lazy("geopandas")

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
GEOJSON = "application/geo+json"
MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100
TITLES = {
    "province": "江苏省界",
    "cities": "设区市界",
    "counties": "县（市、区）界",
    "schools": "学校",
    "catchments": "就近入学学区（Voronoi）",
    "aid_gap": "精准资助缺口（需令牌：省级或本市）",
}
ID_COLUMNS = {"province": "adcode", "cities": "adcode", "counties": "adcode", "schools": "code",
              "aid_gap": "xjh"}  # fmt: skip


def landing(base: str) -> dict[str, Any]:
    return {
        "title": "eduhub OGC API - Features",
        "description": "江苏教育数据：行政区划、学校、就近入学学区与决策指标图层（WGS-84）",
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/ogc"},
            {
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
                "href": f"{base}/openapi.json",
            },
            {"rel": "conformance", "type": "application/json", "href": f"{base}/ogc/conformance"},
            {"rel": "data", "type": "application/json", "href": f"{base}/ogc/collections"},
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


def _title(collection_id: str) -> str:
    if collection_id in TITLES:
        return TITLES[collection_id]
    return indicators.get_indicator(collection_id).name


def collection(base: str, collection_id: str, bbox: list[float]) -> dict[str, Any]:
    if collection_id not in layers.layer_names():
        raise NotFound(f"no collection {collection_id!r}")
    href = f"{base}/ogc/collections/{collection_id}"
    return {
        "id": collection_id,
        "title": _title(collection_id),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [bbox], "crs": CRS84}},
        "links": [
            {"rel": "self", "type": "application/json", "href": href},
            {"rel": "items", "type": GEOJSON, "href": f"{href}/items"},
        ],
    }


def province_bbox(settings: Settings) -> list[float]:
    frame = load_boundaries(settings.data_dir, province=settings.province_code, level="province")
    return [round(float(v), 6) for v in frame.total_bounds]


def collections(base: str, settings: Settings) -> dict[str, Any]:
    bbox = province_bbox(settings)
    return {
        "links": [{"rel": "self", "type": "application/json", "href": f"{base}/ogc/collections"}],
        "collections": [collection(base, name, bbox) for name in layers.layer_names()],
    }


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    try:
        parts = [float(p) for p in raw.split(",")]
    except ValueError as exc:
        raise Invalid(f"bbox {raw!r} is not four numbers") from exc
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise Invalid("bbox must be minx,miny,maxx,maxy (CRS84)")
    return parts[0], parts[1], parts[2], parts[3]


def _frame(
    session: Session,
    settings: Settings,
    collection_id: str,
    level: str,
    period: str | None,
    viewer: str | None = None,
) -> tuple[gpd.GeoDataFrame, str]:
    if collection_id not in layers.layer_names():
        raise NotFound(f"no collection {collection_id!r}")
    if collection_id in layers.RESTRICTED_LAYERS:
        if viewer is None:
            raise Unauthorized(f"collection {collection_id!r} needs a bearer token")
        gap = layers.aid_gap_layer(session=session, settings=settings, viewer=viewer, period=period)
        return gap, "xjh"
    frame = layers.get_layer(
        session=session, settings=settings, layer=collection_id, level=level, period=period
    )
    if collection_id == "catchments":
        frame = frame.assign(id=frame["code"] + "-" + frame["stage"])
        return frame, "id"
    return frame, ID_COLUMNS.get(collection_id, "adcode")


def items(
    *,
    session: Session,
    settings: Settings,
    base: str,
    collection_id: str,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    bbox: str | None = None,
    level: str = "county",
    period: str | None = None,
    viewer: str | None = None,
) -> dict[str, Any]:
    """One page of features as a GeoJSON FeatureCollection with OGC paging links.

    ``viewer`` is the caller's organisation code (None: anonymous), for restricted collections.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    frame, id_column = _frame(session, settings, collection_id, level, period, viewer)
    box = parse_bbox(bbox)
    if box is not None:
        frame = frame.cx[box[0] : box[2], box[1] : box[3]]  # features intersecting the box
    matched = len(frame)
    page = frame.iloc[offset : offset + limit]
    params: dict[str, Any] = {"limit": limit}
    if bbox is not None:
        params["bbox"] = bbox
    if collection_id in indicators.INDICATORS or collection_id in layers.RESTRICTED_LAYERS:
        params["level"] = level
        if period:
            params["period"] = period
    href = f"{base}/ogc/collections/{collection_id}/items"

    def link(rel: str, at: int) -> dict[str, str]:
        return {
            "rel": rel,
            "type": GEOJSON,
            "href": f"{href}?{urlencode({**params, 'offset': at})}",
        }

    links = [link("self", offset)]
    if offset + limit < matched:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    return io.feature_collection(
        page,
        id_column=id_column,
        extra={
            "numberMatched": matched,
            "numberReturned": len(page),
            "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "links": links,
        },
    )


def item(
    *,
    session: Session,
    settings: Settings,
    base: str,
    collection_id: str,
    feature_id: str,
    level: str = "county",
    period: str | None = None,
    viewer: str | None = None,
) -> dict[str, Any]:
    frame, id_column = _frame(session, settings, collection_id, level, period, viewer)
    hit = frame[frame[id_column].astype(str) == feature_id]
    if hit.empty:
        raise NotFound(f"no feature {feature_id!r} in {collection_id!r}")
    feature: dict[str, Any] = io.feature_collection(hit, id_column=id_column)["features"][0]
    href = f"{base}/ogc/collections/{collection_id}"
    feature["links"] = [
        {"rel": "self", "type": GEOJSON, "href": f"{href}/items/{feature_id}"},
        {"rel": "collection", "type": "application/json", "href": href},
    ]
    return feature
