"""Named GIS layers (regions, schools, catchments, indicator values) and the maps built on them.

One place decides what a layer holds, so the file export, the OGC API, the Folium maps and the
reports all show the same features.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from hub.errors import Invalid
from hub.gis import io, maps
from hub.gis.boundaries import load_boundaries
from hub.gis.crs import STORAGE_CRS
from hub.gis.indicator_queries import SCHOOLS
from hub.lazy import lazy
from hub.services import aid_gap, enrolment, indicators
from hub.settings import Settings

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
else:
    gpd = lazy("geopandas")
    pd = lazy("pandas")

REGION_LAYERS = {"province": "province", "cities": "city", "counties": "county"}
BASE_LAYERS = (*REGION_LAYERS, "schools", "catchments")


RESTRICTED_LAYERS = ("aid_gap",)  # named children: the province and the pupil's city only


def layer_names() -> list[str]:
    return [*BASE_LAYERS, *indicators.INDICATORS, *RESTRICTED_LAYERS]


def aid_gap_layer(
    *, session: Session, settings: Settings, viewer: str, period: str | None = None
) -> gpd.GeoDataFrame:
    """The aid gap as points at each child's school (never the home), for ``viewer`` only."""
    definition = indicators.get_indicator("aid_coverage")
    school_year = (
        indicators.native_period(definition, period)
        if period
        else indicators.latest_period(session=session, indicator_id="aid_coverage")
    )
    gap = aid_gap.aid_gap(
        session=session,
        school_year=school_year or "",
        viewer=viewer,
        province=settings.province_code,
    )
    schools = schools_layer(session).set_index("code")
    rows = [asdict(g) for g in gap if g.school_code in schools.index]
    frame = pd.DataFrame(rows, columns=[*GAP_COLUMNS])
    frame["school_year"] = school_year
    points = schools.geometry.reindex(frame["school_code"]).to_numpy()
    return gpd.GeoDataFrame(frame, geometry=list(points), crs=STORAGE_CRS)


GAP_COLUMNS = ("county_adcode", "school_code", "school_name", "xjh", "name", "id_masked", "grade")


def schools_layer(session: Session) -> gpd.GeoDataFrame:
    """Live schools with coordinates as points (short, Shapefile-safe column names)."""
    rows = session.execute(
        select(
            SCHOOLS.c.code,
            SCHOOLS.c.name,
            SCHOOLS.c.school_type,
            SCHOOLS.c.county_adcode,
            SCHOOLS.c.lon,
            SCHOOLS.c.lat,
        )
        .where(
            SCHOOLS.c.is_deleted.is_(False), SCHOOLS.c.lon.is_not(None), SCHOOLS.c.lat.is_not(None)
        )
        .order_by(SCHOOLS.c.code)
    ).all()
    frame = pd.DataFrame(rows, columns=["code", "name", "type_code", "county", "lon", "lat"])
    return gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
        crs=STORAGE_CRS,
    )


def indicator_layer(
    *,
    session: Session,
    settings: Settings,
    indicator_id: str,
    level: str = "county",
    period: str | None = None,
    zoom: int | None = 10,
) -> gpd.GeoDataFrame:
    """Region polygons of ``level`` with the indicator's value, target, gap, met and change."""
    values = indicators.compute(
        session=session, indicator_id=indicator_id, level=level, period=period
    )
    table = pd.DataFrame([asdict(v) for v in values]).drop(columns=["name", "level"])
    shapes = load_boundaries(
        settings.data_dir, province=settings.province_code, level=level, zoom=zoom
    )
    merged = shapes.merge(table, on="adcode", how="left")
    merged["indicator"] = indicator_id
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=STORAGE_CRS)


def get_layer(
    *,
    session: Session,
    settings: Settings,
    layer: str,
    level: str = "county",
    period: str | None = None,
    zoom: int | None = None,
) -> gpd.GeoDataFrame:
    """Any named layer as a WGS-84 GeoDataFrame."""
    if layer in REGION_LAYERS:
        return load_boundaries(
            settings.data_dir,
            province=settings.province_code,
            level=REGION_LAYERS[layer],
            zoom=zoom,
        )
    if layer == "schools":
        return schools_layer(session)
    if layer == "catchments":
        report = enrolment.near_school_report(
            session=session,
            data_dir=settings.data_dir,
            province=settings.province_code,
            max_distance_m=settings.gis_far_distance_m,
        )
        return report.catchments
    if layer in indicators.INDICATORS:
        return indicator_layer(
            session=session,
            settings=settings,
            indicator_id=layer,
            level=level,
            period=period,
            zoom=zoom,
        )
    if layer in RESTRICTED_LAYERS:
        raise Invalid(f"layer {layer!r} is restricted: read it through the OGC API with a token")
    raise Invalid(f"unknown layer {layer!r}; known: {', '.join(layer_names())}")


def export_layer(
    *,
    session: Session,
    settings: Settings,
    layer: str,
    fmt: str,
    out: Path,
    level: str = "county",
    period: str | None = None,
) -> tuple[Path, int]:
    """Write a layer as geojson | gpkg | shp | fgb; returns the file and the feature count."""
    frame = get_layer(session=session, settings=settings, layer=layer, level=level, period=period)
    return io.write_layer(frame, out, fmt, layer=layer), len(frame)


def indicator_map_html(
    *,
    session: Session,
    settings: Settings,
    indicator_id: str,
    level: str = "county",
    period: str | None = None,
    standalone: bool = True,
    with_schools: bool = True,
    tiles: str | None = None,
) -> str:
    """The Folium map of one indicator as HTML (standalone: Leaflet inlined, works offline).

    ``tiles`` (none | osm | tianditu) overrides the base layer of the settings (``map_tiles``).
    """
    definition = indicators.get_indicator(indicator_id)
    regions = indicator_layer(
        session=session,
        settings=settings,
        indicator_id=indicator_id,
        level=level,
        period=period,
        zoom=8,
    )
    shown = regions["period"].dropna()
    title = f"{definition.name}（{shown.iloc[0] if len(shown) else period or ''}）"
    key = settings.tianditu_key.get_secret_value() if settings.tianditu_key else None
    fmap = maps.choropleth(
        regions,
        title=title,
        unit=definition.unit,
        higher_is_better=definition.higher_is_better,
        schools=schools_layer(session) if with_schools else None,
        tiles=tiles or settings.map_tiles,
        tianditu_key=key,
    )
    return maps.render_html(fmap, standalone=standalone)
