"""/api/v1/catalog: search, filters, one resource, versions, diff, exports, on both backends."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from rdflib import Graph
from rdflib.namespace import DCAT, RDF
from sqlalchemy import Engine

from catalog.renderers.table import HEADERS
from hub.settings import Settings
from tests.catalog.factories import copy_catalog, edit_entry, publish, shipped_entries


@pytest.fixture
def api(client: TestClient, engine: Engine, settings: Settings) -> TestClient:
    publish(engine, settings, "1.0")
    return client


def test_list_before_publication_is_problem_404(client: TestClient) -> None:
    response = client.get("/api/v1/catalog/resources")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "eduhub catalog publish" in response.json()["detail"]


def test_list_returns_every_resource(api: TestClient) -> None:
    body = api.get("/api/v1/catalog/resources", params={"limit": 100}).json()
    assert body["version"] == "1.0"
    assert [r["code"] for r in body["data"]] == sorted(e.code for e in shipped_entries())


@pytest.mark.parametrize(("q", "resource"), [("学籍", "students"), ("大班额", "class_size_stats")])
def test_search_finds_chinese_partial_word(api: TestClient, q: str, resource: str) -> None:
    body = api.get("/api/v1/catalog/resources", params={"q": q}).json()
    assert resource in {r["id"] for r in body["data"]}
    assert body["count"] == len(body["data"])


def test_search_filters_open_resources(api: TestClient) -> None:
    body = api.get("/api/v1/catalog/resources", params={"open": "true", "limit": 100}).json()
    assert {r["id"] for r in body["data"]} == {e.id for e in shipped_entries() if e.openness.open}


def test_filter_rejects_unknown_sharing_type(api: TestClient) -> None:
    response = api.get("/api/v1/catalog/resources", params={"sharing_type": "部分共享"})
    assert response.status_code == 422


def test_show_resource_by_code_and_by_id_agree(api: TestClient) -> None:
    by_code = api.get("/api/v1/catalog/resources/30700102/001").json()
    by_id = api.get("/api/v1/catalog/resources/students").json()
    assert by_code == by_id
    assert by_code["resource"]["name"] == "中小学学生学籍信息"
    assert "xjh" in by_code["personal_fields"]


def test_show_unknown_resource_is_404(api: TestClient) -> None:
    assert api.get("/api/v1/catalog/resources/nosuch").status_code == 404


def test_versions_and_diff(
    client: TestClient, engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    own = settings.model_copy(update={"catalog_dir": copy_catalog(tmp_path / "c")})
    publish(engine, own, "1.0")
    assert own.catalog_dir is not None
    edit_entry(own.catalog_dir, "regions", update_cycle="每半年")
    publish(engine, own, "1.1")
    versions = client.get("/api/v1/catalog/versions").json()
    assert [v["version"] for v in versions] == ["1.0", "1.1"]
    diff = client.get("/api/v1/catalog/diff", params={"from": "1.0", "to": "1.1"}).json()
    assert [(c["id"], [f["field"] for f in c["fields"]]) for c in diff["changed"]] == [
        ("regions", ["update_cycle"])
    ]


def test_diff_with_unpublished_version_is_404(api: TestClient) -> None:
    response = api.get("/api/v1/catalog/diff", params={"from": "1.0", "to": "9.9"})
    assert response.status_code == 404


def test_export_xlsx_opens_with_openpyxl(api: TestClient) -> None:
    response = api.get("/api/v1/catalog/export.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert tuple(rows[0]) == HEADERS
    assert len(rows) - 1 == sum(len(e.items) for e in shipped_entries())


def test_export_csv_has_chinese_header(api: TestClient) -> None:
    text = api.get("/api/v1/catalog/export.csv").content.decode("utf-8-sig")
    assert tuple(next(csv.reader(io.StringIO(text)))) == HEADERS


def test_export_json_lists_every_resource(api: TestClient) -> None:
    body = api.get("/api/v1/catalog/export.json").json()
    assert {r["code"] for r in body["resources"]} == {e.code for e in shipped_entries()}


@pytest.mark.parametrize(("path", "fmt"), [("dcat.ttl", "turtle"), ("dcat.jsonld", "json-ld")])
def test_dcat_endpoints_parse_as_rdf(api: TestClient, path: str, fmt: str) -> None:
    response = api.get(f"/api/v1/catalog/{path}")
    graph = Graph().parse(data=response.content, format=fmt)
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == len(shipped_entries())


def test_catalog_endpoints_are_documented_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    search = spec["paths"]["/api/v1/catalog/resources"]["get"]
    q = next(p for p in search["parameters"] if p["name"] == "q")
    assert "学籍" in q["examples"]
    assert "example" in search["responses"]["200"]["content"]["application/json"]
    for path in ("dcat.ttl", "dcat.jsonld", "export.xlsx", "versions", "diff"):
        assert f"/api/v1/catalog/{path}" in spec["paths"]
