"""Map rendering: Folium choropleths with school clusters, and static PNG maps for reports.

Maps work offline: no base layer unless one is configured (``add_base_layer``: OpenStreetMap,
or 天地图 with its key), and Leaflet / MarkerCluster come from ``hub/static/vendor`` (vendored
from the npm packages leaflet 1.9.3 and leaflet.markercluster 1.5.3) instead of CDNs, either
inlined into a standalone file or linked from the hub's /static.
"""

from __future__ import annotations

import warnings
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from hub.errors import ConfigError, Invalid
from hub.gis.crs import PROVINCE_CRS
from hub.lazy import lazy

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
else:
    gpd = lazy("geopandas")
    np = lazy("numpy")

VENDOR = Path(str(files("hub"))) / "static" / "vendor"
JS = ("leaflet.js", "leaflet.markercluster.js")
CSS = ("leaflet.css", "MarkerCluster.css", "MarkerCluster.Default.css")
PALETTE = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")  # ColorBrewer OrRd 5
PALETTE_GOOD = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")  # Greens 5
NO_DATA = "#d9d9d9"
CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimHei")
BASE_LAYERS = ("none", "osm", "tianditu")
OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
# 天地图 WMTS in Web Mercator: vec = the vector base map, cva = its Chinese place-name labels.
TIANDITU = (
    "https://t{s}.tianditu.gov.cn/%(layer)s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=%(layer)s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk=%(key)s"
)


def classify(values: list[float | None], k: int = 5) -> tuple[list[int | None], list[float]]:
    """Class index per value (None for no data) and the upper bounds, by Fisher-Jenks breaks."""
    import mapclassify

    warnings.filterwarnings("ignore", message="Numba not installed")
    present = np.array([v for v in values if v is not None], dtype=float)
    if present.size == 0:
        return [None] * len(values), []
    distinct = np.unique(present).size
    k = max(1, min(k, distinct))
    if k < 2:
        return [None if v is None else 0 for v in values], [float(present.max())]
    scheme = mapclassify.FisherJenks(present, k=k)
    bins = [float(b) for b in scheme.bins]
    out: list[int | None] = []
    for v in values:
        out.append(None if v is None else int(np.searchsorted(bins, v, side="left")))
    return out, bins


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "无数据"
    return f"{value:.2f}" if unit == "ratio" else f"{value * 100:.1f}%"


def class_label(low: float | None, high: float, unit: str) -> str:
    if low is None:
        return f"≤ {format_value(high, unit)}"
    return f"{format_value(low, unit)} – {format_value(high, unit)}"


def _legend_html(title: str, bins: list[float], colours: tuple[str, ...], unit: str) -> str:
    rows, low = [], None
    for i, high in enumerate(bins):
        label = class_label(low, high, unit)
        rows.append(f'<div><span style="background:{colours[i]}"></span>{label}</div>')
        low = high
    rows.append(f'<div><span style="background:{NO_DATA}"></span>无数据</div>')
    return (
        '<div class="eduhub-legend" style="position:absolute;bottom:20px;right:10px;z-index:1000;'
        'background:#fff;padding:6px 8px;font:12px sans-serif;border:1px solid #999">'
        f"<b>{title}</b>{''.join(rows)}</div>"
        "<style>.eduhub-legend span{display:inline-block;width:14px;height:10px;"
        "margin-right:4px;border:1px solid #777}</style>"
    )


def _offline(fmap: Any, cluster: Any | None, base_url: str) -> None:
    fmap.default_js = [(name, f"{base_url}/{name}") for name in JS[:1]]
    fmap.default_css = [(name, f"{base_url}/{name}") for name in CSS[:1]]
    if cluster is not None:
        cluster.default_js = [(JS[1], f"{base_url}/{JS[1]}")]
        cluster.default_css = [(name, f"{base_url}/{name}") for name in CSS[1:]]


def inline_assets(html: str, base_url: str) -> str:
    """Replace the vendored <script src>/<link href> tags with the files' contents."""
    for name in JS:
        body = (VENDOR / name).read_text(encoding="utf-8")
        tag = f'<script src="{base_url}/{name}"></script>'
        html = html.replace(tag, f"<script>{body}</script>")
    for name in CSS:
        body = (VENDOR / name).read_text(encoding="utf-8")
        tag = f'<link rel="stylesheet" href="{base_url}/{name}"/>'
        html = html.replace(tag, f"<style>{body}</style>")
    return html


def add_base_layer(fmap: Any, tiles: str, tianditu_key: str | None = None) -> None:
    """The map's base layer: none (offline), OpenStreetMap, or 天地图 with its key (tk)."""
    import folium

    if tiles == "none":
        return
    if tiles == "osm":
        folium.TileLayer(OSM, attr=OSM_ATTRIBUTION, name="OpenStreetMap").add_to(fmap)
        return
    if tiles != "tianditu":
        raise Invalid(f"unknown base layer {tiles!r}: use one of {', '.join(BASE_LAYERS)}")
    if not tianditu_key:
        raise ConfigError("the 天地图 base layer needs its key: set EDUHUB_TIANDITU_KEY")
    key = quote(tianditu_key, safe="")
    for layer, name, overlay in (("vec", "天地图", False), ("cva", "天地图注记", True)):
        folium.TileLayer(
            TIANDITU % {"layer": layer, "key": key}, attr="天地图", name=name,
            subdomains="01234567", overlay=overlay, control=not overlay,
        ).add_to(fmap)  # fmt: skip


def choropleth(
    regions: gpd.GeoDataFrame,
    *,
    title: str,
    unit: str = "share",
    higher_is_better: bool = True,
    schools: gpd.GeoDataFrame | None = None,
    tiles: str = "none",
    tianditu_key: str | None = None,
    base_url: str = "/static/vendor",
) -> Any:
    """A Folium map: regions coloured by ``value`` classes, tooltips, school clusters, layers.

    ``regions`` needs name, value, target, gap columns (WGS-84); ``schools`` name, code, geometry.
    """
    import folium
    from folium.plugins import FastMarkerCluster

    bounds = regions.total_bounds
    fmap = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=7,
        tiles=None,
        control_scale=True,
        maxZoom=18,
        minZoom=5,
    )
    add_base_layer(fmap, tiles, tianditu_key)
    colours = PALETTE_GOOD if higher_is_better else PALETTE
    classes, bins = classify(_col(regions, "value"))
    data = regions[["adcode", "name", "geometry"]].copy()
    data["fill"] = [NO_DATA if c is None else colours[c] for c in classes]
    data["数值"] = [format_value(v, unit) for v in _col(regions, "value")]
    data["目标"] = [
        format_value(v, unit) if v is not None else "—" for v in _col(regions, "target")
    ]
    data["差距"] = [format_value(v, unit) if v is not None else "—" for v in _col(regions, "gap")]
    layer = folium.GeoJson(
        data.to_json(),
        name=title,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#555",
            "weight": 1,
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "数值", "目标", "差距"], aliases=["地区", "数值", "目标", "差距"]
        ),
    )
    layer.add_to(fmap)
    cluster = None
    if schools is not None and len(schools):
        pts = [
            [float(g.y), float(g.x), f"{n}（{c}）"]
            for g, n, c in zip(schools.geometry, schools["name"], schools["code"], strict=True)
        ]
        callback = (
            "function (row) { var m = L.circleMarker(new L.LatLng(row[0], row[1]), "
            "{radius: 4, color: '#08519c'}); m.bindPopup(row[2]); return m; }"
        )
        cluster = FastMarkerCluster(pts, callback=callback, name="学校")
        cluster.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    legend = folium.Element(_legend_html(title, bins, colours, unit))
    fmap.get_root().html.add_child(legend)  # type: ignore[attr-defined]
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    _offline(fmap, cluster, base_url)
    return fmap


def _col(frame: gpd.GeoDataFrame, name: str) -> list[float | None]:
    if name not in frame:
        return [None] * len(frame)
    return [None if v is None or v != v else float(v) for v in frame[name]]


def render_html(fmap: Any, *, standalone: bool, base_url: str = "/static/vendor") -> str:
    """HTML of the map: standalone inlines Leaflet, otherwise links the hub's /static copies."""
    html = str(fmap.get_root().render())
    return inline_assets(html, base_url) if standalone else html


def static_png(
    regions: gpd.GeoDataFrame,
    out: Path,
    *,
    title: str,
    unit: str = "share",
    higher_is_better: bool = True,
) -> Path:
    """A PNG choropleth (matplotlib, a CJK font so Chinese labels render) for reports."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    matplotlib.rcParams["font.sans-serif"] = [*CJK_FONTS, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    colours = PALETTE_GOOD if higher_is_better else PALETTE
    classes, bins = classify(_col(regions, "value"))
    fills = [NO_DATA if c is None else colours[c] for c in classes]
    fig, ax = plt.subplots(figsize=(7, 7), dpi=100)
    regions.to_crs(PROVINCE_CRS).plot(ax=ax, color=fills, edgecolor="#555", linewidth=0.4)
    ax.set_axis_off()
    ax.set_title(title)
    labels, low = [], None
    for i, high in enumerate(bins):
        labels.append(Patch(facecolor=colours[i], label=class_label(low, high, unit)))
        low = high
    labels.append(Patch(facecolor=NO_DATA, label="无数据"))
    ax.legend(handles=labels, loc="lower right", fontsize=8)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)
    return out
