"""OGC API - Features (Part 1 Core) under /ogc: open GIS layers for QGIS, ArcGIS and GDAL."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hub.api.deps import SessionDep, SettingsDep
from hub.api.security import CallerDep
from hub.services import ogc

router = APIRouter(prefix="/ogc", tags=["ogc"])
Level = Literal["province", "city", "county"]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _geojson(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type=ogc.GEOJSON)


@router.get("", summary="Landing page")
def landing(request: Request) -> dict[str, Any]:
    return ogc.landing(_base(request))


@router.get("/conformance", summary="Conformance classes")
def conformance() -> dict[str, Any]:
    return ogc.conformance()


@router.get("/collections", summary="Feature collections")
def collections(request: Request, settings: SettingsDep) -> dict[str, Any]:
    return ogc.collections(_base(request), settings)


@router.get("/collections/{collection_id}", summary="One feature collection")
def collection(collection_id: str, request: Request, settings: SettingsDep) -> dict[str, Any]:
    return ogc.collection(_base(request), collection_id, ogc.province_bbox(settings))


@router.get("/collections/{collection_id}/items", summary="Features (GeoJSON, paged)")
def items(
    collection_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    caller: CallerDep,
    limit: int = Query(ogc.DEFAULT_LIMIT, ge=1, le=ogc.MAX_LIMIT),
    offset: int = Query(0, ge=0),
    bbox: str | None = None,
    level: Level = "county",
    period: str | None = None,
) -> Response:
    return _geojson(
        ogc.items(
            session=session,
            settings=settings,
            base=_base(request),
            collection_id=collection_id,
            limit=limit,
            offset=offset,
            bbox=bbox,
            level=level,
            period=period,
            viewer=caller.org_code,
        )
    )


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature")
def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    caller: CallerDep,
    level: Level = "county",
    period: str | None = None,
) -> Response:
    return _geojson(
        ogc.item(
            session=session,
            settings=settings,
            base=_base(request),
            collection_id=collection_id,
            feature_id=feature_id,
            level=level,
            period=period,
            viewer=caller.org_code,
        )
    )
