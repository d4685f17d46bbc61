"""OGC API - Features: GDAL's OAPIF driver against a live server, paging, bbox, single items."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.api.app import create_app
from hub.services import layers
from hub.settings import Settings
from tests.api.live import live_server
from tests.conftest import make_settings
from tests.gis.conftest import boundary_cache
from tests.gis.factories import Province, make_province
from tests.services.exchange.factories import token_for


@pytest.fixture
def ogc_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(database_url, boundary_cache(tmp_path_factory))


@pytest.fixture
def province(session: Session) -> Province:
    return make_province(session, counties=("320102", "320583"))


@pytest.fixture
def ogc_client(ogc_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(ogc_settings)) as c:
        yield c


@pytest.fixture
def live_url(ogc_settings: Settings, province: Province) -> Iterator[str]:
    with live_server(ogc_settings) as url:
        yield url


def test_oapif_reads_same_features_as_geojson_export(
    live_url: str, ogc_settings: Settings, session: Session, tmp_path: Path
) -> None:
    for layer in ("schools", "counties"):  # one server start for both layers
        _compare(live_url, ogc_settings, session, tmp_path, layer)


def _compare(
    live_url: str, ogc_settings: Settings, session: Session, tmp_path: Path, layer: str
) -> None:
    served = pyogrio.read_dataframe(f"OAPIF:{live_url}/ogc", layer=layer)
    path, _ = layers.export_layer(
        session=session, settings=ogc_settings, layer=layer, fmt="geojson",
        out=tmp_path / f"{layer}.geojson",
    )  # fmt: skip
    exported = pyogrio.read_dataframe(path)
    key = "code" if layer == "schools" else "adcode"
    served = served.sort_values(key).reset_index(drop=True)
    exported = exported.sort_values(key).reset_index(drop=True)
    assert list(served[key]) == list(exported[key])
    assert list(served["name"]) == list(exported["name"])
    assert any("区" in n or "学校" in n for n in served["name"])
    assert served.crs.to_epsg() == 4326
    assert served.geometry.geom_equals_exact(exported.geometry, tolerance=1e-9).all()


def test_items_paging_by_next_links_returns_every_feature(ogc_client: TestClient) -> None:
    url: str | None = "/ogc/collections/cities/items?limit=5"
    seen: list[str] = []
    while url:
        body = ogc_client.get(url).json()
        assert body["numberMatched"] == 13
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert sorted(seen) == [f"32{n:02d}00" for n in range(1, 14)]


def test_items_bbox_keeps_intersecting_features(ogc_client: TestClient) -> None:
    body = ogc_client.get(
        "/ogc/collections/cities/items", params={"bbox": "118.7,32.0,118.9,32.1"}
    ).json()
    assert [f["properties"]["name"] for f in body["features"]] == ["南京市"]


def test_items_are_geojson(ogc_client: TestClient) -> None:
    response = ogc_client.get("/ogc/collections/province/items")
    assert response.headers["content-type"].startswith("application/geo+json")
    assert response.json()["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_item_by_id(ogc_client: TestClient) -> None:
    body = ogc_client.get("/ogc/collections/counties/items/320583").json()
    assert body["properties"]["name"] == "昆山市"


def test_indicator_collection_serves_values(ogc_client: TestClient, province: Province) -> None:
    body = ogc_client.get(
        "/ogc/collections/k12_gigabit/items", params={"level": "city", "period": "2026Q3"}
    ).json()
    assert body["numberMatched"] == 13
    nanjing = next(f for f in body["features"] if f["id"] == "320100")
    assert nanjing["properties"]["period"] == "2026Q3"
    assert nanjing["properties"]["denominator"] > 0


def test_collections_and_conformance(ogc_client: TestClient) -> None:
    ids = [c["id"] for c in ogc_client.get("/ogc/collections").json()["collections"]]
    assert {"province", "cities", "counties", "schools", "k12_gigabit"} <= set(ids)
    conf = ogc_client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf


def test_unknown_collection_is_404(ogc_client: TestClient) -> None:
    assert ogc_client.get("/ogc/collections/rivers/items").status_code == 404


def test_bad_bbox_is_422(ogc_client: TestClient) -> None:
    assert ogc_client.get("/ogc/collections/cities/items?bbox=1,2,3").status_code == 422


def _gap_xjh(p: Province, city: str | None) -> set[str]:
    hashes = {h["child_id_hash"] for h in p.poor if not h.get("is_deleted")}
    paid = {a["xjh"] for a in p.aid if not a["is_deleted"] and a["school_year"] == "2026-2027"}
    return {
        s["xjh"]
        for s in p.students
        if not s["is_deleted"] and s["id_hash"] in hashes and s["xjh"] not in paid
        and (city is None or p.county_of(s["school_code"]).startswith(city))
    }  # fmt: skip


def test_aid_gap_collection_needs_a_token(ogc_client: TestClient, province: Province) -> None:
    response = ogc_client.get("/ogc/collections/aid_gap/items")
    assert response.status_code == 401


def test_aid_gap_collection_city_token_sees_own_city(
    ogc_client: TestClient, ogc_settings: Settings, engine: Engine, province: Province
) -> None:
    token = token_for(engine, ogc_settings, "320100")
    body = ogc_client.get(
        "/ogc/collections/aid_gap/items", params={"period": "2026-2027", "limit": 1000},
        headers={"Authorization": f"Bearer {token}"},
    ).json()  # fmt: skip
    assert {f["id"] for f in body["features"]} == _gap_xjh(province, "3201")
    assert body["features"][0]["geometry"]["type"] == "Point"


def test_aid_gap_collection_province_token_sees_all(
    ogc_client: TestClient, ogc_settings: Settings, engine: Engine, province: Province
) -> None:
    token = token_for(engine, ogc_settings, "320000")
    body = ogc_client.get(
        "/ogc/collections/aid_gap/items", params={"period": "2026-2027", "limit": 1000},
        headers={"Authorization": f"Bearer {token}"},
    ).json()  # fmt: skip
    assert {f["id"] for f in body["features"]} == _gap_xjh(province, None)
