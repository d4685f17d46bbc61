"""The CKAN-compatible action API: envelope, error shape, and a real CKAN client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from ckanapi import NotFound, RemoteCKAN
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.api.server import BackgroundServer
from hub.settings import Settings
from tests.catalog.factories import publish, shipped_entries


@pytest.fixture
def api(client: TestClient, engine: Engine, settings: Settings) -> TestClient:
    publish(engine, settings, "1.0")
    return client


@pytest.fixture
def live_url(engine: Engine, settings: Settings) -> Iterator[str]:
    """The app on a real uvicorn server on a free loopback port (ckanapi speaks HTTP)."""
    publish(engine, settings, "1.0")
    with BackgroundServer(create_app(settings)) as url:
        yield url


def test_status_show_uses_ckan_envelope(api: TestClient) -> None:
    body = api.get("/api/3/action/status_show").json()
    assert set(body) == {"help", "success", "result"}
    assert body["success"] is True
    assert body["result"]["ckan_version"].startswith("2.")


def test_package_list_names_every_resource(api: TestClient) -> None:
    body = api.get("/api/3/action/package_list").json()
    assert body["result"] == sorted(e.id for e in shipped_entries())


def test_package_show_unknown_uses_ckan_error_shape(api: TestClient) -> None:
    response = api.get("/api/3/action/package_show", params={"id": "nosuch"})
    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Not Found Error"
    assert "nosuch" in body["error"]["message"]


def test_package_search_rejects_unknown_fq_field(api: TestClient) -> None:
    response = api.get("/api/3/action/package_search", params={"fq": "colour:red"})
    assert response.status_code == 409
    assert response.json()["error"]["__type"] == "Validation Error"


def test_package_search_pages_with_rows_and_start(api: TestClient) -> None:
    everything = api.get("/api/3/action/package_search", params={"rows": 100}).json()["result"]
    page = api.get(
        "/api/3/action/package_search", params={"rows": 3, "start": 3, "sort": "name asc"}
    ).json()["result"]
    names = sorted(p["name"] for p in everything["results"])
    assert everything["count"] == len(shipped_entries())
    assert [p["name"] for p in page["results"]] == names[3:6]


def test_package_search_fq_organization(api: TestClient) -> None:
    result = api.get(
        "/api/3/action/package_search", params={"fq": "organization:320000-mzt"}
    ).json()["result"]
    assert [p["name"] for p in result["results"]] == [
        e.id for e in shipped_entries() if e.provider.code == "320000-MZT"
    ]


def test_organization_show_counts_packages(api: TestClient) -> None:
    result = api.get("/api/3/action/organization_show", params={"id": "320000-jyt"}).json()
    expected = sum(e.provider.code == "320000-JYT" for e in shipped_entries())
    assert result["result"]["package_count"] == expected


def _native(url: str, q: str) -> list[str]:
    response = httpx.get(f"{url}/api/v1/catalog/resources", params={"q": q, "limit": 1000})
    return [r["id"] for r in response.json()["data"]]


@pytest.mark.parametrize("q", ["学籍", "大班额"])
def test_ckanapi_package_search_matches_native_api(live_url: str, q: str) -> None:
    with RemoteCKAN(live_url) as ckan:
        result = ckan.action.package_search(q=q, rows=100)
    native = _native(live_url, q)
    assert result["count"] == len(native) > 0
    assert sorted(p["name"] for p in result["results"]) == sorted(native)


def test_ckanapi_package_show_and_not_found(live_url: str) -> None:
    with RemoteCKAN(live_url) as ckan:
        package = ckan.action.package_show(id="students")
        with pytest.raises(NotFound):
            ckan.action.package_show(id="nosuch")
        organizations = ckan.action.organization_list()
    assert package["title"] == "中小学学生学籍信息"
    assert organizations == sorted({e.provider.code.lower() for e in shipped_entries()})
