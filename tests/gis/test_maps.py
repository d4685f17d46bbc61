"""Maps: classes, an offline Folium map with Chinese tooltips and legend, a PNG with a CJK font."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from hub.errors import ConfigError, Invalid
from hub.gis import maps
from hub.gis.boundaries import load_boundaries
from tests.gis.conftest import tile_urls


@pytest.fixture
def counties(gis_dir: Path) -> gpd.GeoDataFrame:
    frame = load_boundaries(gis_dir, level="county", zoom=8)
    frame["value"] = [None if i % 10 == 0 else (i % 7) / 7 for i in range(len(frame))]
    frame["target"] = 0.4
    frame["gap"] = [None if v is None else max(0.0, 0.4 - v) for v in frame["value"]]
    return frame


def _has(html: str, text: str) -> bool:
    """Folium writes JSON with non-ASCII escaped; accept either spelling."""
    return text in html or json.dumps(text)[1:-1] in html


def test_classify_orders_classes_and_keeps_missing() -> None:
    values = [0.1, None, 0.2, 0.5, 0.8, 0.9]
    classes, bins = maps.classify(values, k=3)
    assert classes[1] is None
    assert len(bins) == 3
    present = [c for c in classes if c is not None]
    assert present == sorted(present)
    assert present[0] == 0
    assert present[-1] == 2


def test_choropleth_has_every_county_with_chinese_tooltips(counties: gpd.GeoDataFrame) -> None:
    html = maps.render_html(maps.choropleth(counties, title="千兆接入"), standalone=True)
    for name in counties["name"]:
        assert _has(html, name)
    for alias in ("地区", "数值", "目标", "差距"):
        assert _has(html, alias)
    assert "eduhub-legend" in html
    assert _has(html, "无数据")


def test_choropleth_standalone_loads_nothing_from_the_network(counties: gpd.GeoDataFrame) -> None:
    html = maps.render_html(maps.choropleth(counties, title="x"), standalone=True)
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', html)


def test_choropleth_clusters_school_points_with_popups(counties: gpd.GeoDataFrame) -> None:
    schools = gpd.GeoDataFrame(
        {"code": ["3201020001"], "name": ["玄武实验小学"]},
        geometry=[shapely.Point(118.8, 32.05)],
        crs="EPSG:4326",
    )
    html = maps.render_html(maps.choropleth(counties, title="x", schools=schools), standalone=False)
    assert _has(html, "玄武实验小学（3201020001）")
    assert "bindPopup" in html
    assert "/static/vendor/leaflet.markercluster.js" in html


def test_static_png_uses_a_cjk_font(counties: gpd.GeoDataFrame, tmp_path: Path) -> None:
    from matplotlib import font_manager

    out = maps.static_png(counties, tmp_path / "map.png", title="中小学千兆接入比例")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    path = font_manager.findfont(font_manager.FontProperties(family=list(maps.CJK_FONTS)))
    assert "CJK" in path or "wqy" in path.lower()


def test_choropleth_has_no_base_layer_by_default(counties: gpd.GeoDataFrame) -> None:
    html = maps.render_html(maps.choropleth(counties, title="x"), standalone=True)
    assert "L.tileLayer(" not in html
    assert tile_urls(html) == []
    assert "{z}" not in html


def test_choropleth_osm_base_layer_loads_openstreetmap_tiles(counties: gpd.GeoDataFrame) -> None:
    html = maps.render_html(maps.choropleth(counties, title="x", tiles="osm"), standalone=True)
    assert tile_urls(html) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
    assert "https://www.openstreetmap.org/copyright" in html  # the attribution


def test_choropleth_tianditu_base_layer_carries_the_key(counties: gpd.GeoDataFrame) -> None:
    fmap = maps.choropleth(counties, title="x", tiles="tianditu", tianditu_key="0123abcd")
    urls = tile_urls(maps.render_html(fmap, standalone=True))
    assert [u.split("/")[3].split("?")[0] for u in urls] == ["vec_w", "cva_w"]  # map, labels
    for url in urls:
        assert url.startswith("https://t{s}.tianditu.gov.cn/")
        assert url.endswith("&tk=0123abcd")
        assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in url


def test_choropleth_tianditu_without_key_is_a_configuration_error(
    counties: gpd.GeoDataFrame,
) -> None:
    with pytest.raises(ConfigError, match="EDUHUB_TIANDITU_KEY"):
        maps.choropleth(counties, title="x", tiles="tianditu")


def test_choropleth_unknown_base_layer_is_invalid(counties: gpd.GeoDataFrame) -> None:
    with pytest.raises(Invalid, match="google"):
        maps.choropleth(counties, title="x", tiles="google")
