"""Server-rendered pages for policy staff: /maps and /reports (Chinese, no internet needed)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from hub.api.deps import SessionDep, SettingsDep
from hub.errors import NotFound
from hub.gis.maps import CSS, JS, VENDOR, format_value
from hub.services import indicators, layers, reports

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/maps", response_class=HTMLResponse)
def maps_page(
    session: SessionDep,
    indicator: str = "k12_gigabit",
    level: str = "county",
    period: str | None = None,
) -> HTMLResponse:
    definition = indicators.get_indicator(indicator)
    periods = indicators.periods(session=session, indicator_id=indicator)
    query = urlencode({"indicator": indicator, "level": level, "period": period or ""})
    html = reports.templates().get_template("maps.html").render(
        indicators=indicators.list_indicators(), indicator=indicator, level=level,
        period=period, periods=periods, definition=definition, query=query, fmt=format_value,
    )  # fmt: skip
    return HTMLResponse(html)


@router.get("/maps/frame", response_class=HTMLResponse)
def map_frame(
    session: SessionDep,
    settings: SettingsDep,
    indicator: str = "k12_gigabit",
    level: str = "county",
    period: str | None = None,
) -> HTMLResponse:
    html = layers.indicator_map_html(
        session=session, settings=settings, indicator_id=indicator, level=level,
        period=period or None, standalone=False,
    )  # fmt: skip
    return HTMLResponse(html)


@router.get("/reports", response_class=HTMLResponse)
def reports_page(settings: SettingsDep) -> HTMLResponse:
    html = (
        reports.templates()
        .get_template("reports.html")
        .render(reports=reports.list_reports(settings))
    )
    return HTMLResponse(html)


@router.get("/reports/{name}", response_class=FileResponse)
def report_file(name: str, settings: SettingsDep) -> FileResponse:
    return FileResponse(reports.report_path(settings, name), media_type="text/html")


@router.get("/static/vendor/{name}")
def vendor_file(name: str) -> FileResponse:
    """Leaflet and MarkerCluster, vendored, so the map pages need no CDN."""
    if name not in (*JS, *CSS):
        raise NotFound(f"no static file {name!r}")
    kind = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(Path(VENDOR) / name, media_type=kind)
