"""/api/v1/catalog: search, filters, one resource, versions, diff, exports, on both backends."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pydantic import TypeAdapter
from rdflib import Graph
from rdflib.namespace import DCAT, RDF
from sqlalchemy import Engine

from catalog.model import Entry
from catalog.renderers.dcat import TurtleRenderer
from catalog.renderers.excel import ExcelRenderer
from catalog.renderers.table import HEADERS
from hub.api.app import create_app
from hub.api.routes import catalog as catalog_routes
from hub.api.routes import catalog_docs as docs
from hub.api.routes import ckan as ckan_routes
from hub.api.routes.catalog_docs import Problem
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


DOCUMENTED = ("/api/v1/catalog", "/api/3/action/")
XLSX = ExcelRenderer.media_type


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite:///:memory:"))


def _operations(app: FastAPI) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in app.openapi()["paths"].items():
        if path.startswith(DOCUMENTED):
            for method, operation in methods.items():
                yield path, method, operation


def _example_values(content: dict[str, Any]) -> list[Any]:
    if "example" in content:
        return [content["example"]]
    return [e["value"] for e in content.get("examples", {}).values() if "value" in e]


def test_every_catalog_and_ckan_operation_has_examples(app: FastAPI) -> None:
    """Every parameter and every documented answer (each media type) carries an example."""
    missing = []
    operations = list(_operations(app))
    assert len(operations) == 16
    for path, method, operation in operations:
        for param in operation.get("parameters", []):
            if not param.get("examples"):
                missing.append(f"{method} {path} ?{param['name']}")
        assert "200" in operation["responses"], path
        for status, answer in operation["responses"].items():
            for media, content in answer.get("content", {}).items():
                if not (content.get("example") is not None or content.get("examples")):
                    missing.append(f"{method} {path} {status} {media}")
    assert missing == []


def _model(route: APIRoute, status: str, media: str) -> Any:
    if media == "application/problem+json":
        return Problem
    if status == "200":
        return route.response_model
    declared = route.responses.get(int(status), {})
    return declared.get("model")


def _routes() -> dict[tuple[str, str], APIRoute]:
    """The catalog and CKAN routes by (OpenAPI path, method), from their own routers."""
    found = {}
    for prefix, router in (("", catalog_routes.router), ("/api/3/action", ckan_routes.actions)):
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                for method in route.methods or ():
                    found[(prefix + route.path_format, method.lower())] = route
    return found


def test_json_examples_parse_through_their_response_models(app: FastAPI) -> None:
    routes = _routes()
    checked = 0
    for path, method, operation in _operations(app):
        route = routes[(path, method)]
        for status, answer in operation["responses"].items():
            for media, content in answer.get("content", {}).items():
                model = _model(route, status, media)
                if model is None or "json" not in media:
                    continue
                for value in _example_values(content):
                    TypeAdapter(model).validate_json(json.dumps(value))
                    checked += 1
    assert checked >= 40


def test_export_examples_are_what_the_export_gives(app: FastAPI) -> None:
    """Turtle and JSON-LD examples are excerpts of the real export of the example entry (every
    triple of theirs is in it); CSV and JSON ones read back as the workbook layout and entries."""
    paths = app.openapi()["paths"]

    def example(path: str, media: str) -> Any:
        return paths[f"/api/v1/catalog/{path}"]["get"]["responses"]["200"]["content"][media]

    full = Graph().parse(data=TurtleRenderer().render([docs.ENTRY], docs.CONTEXT), format="turtle")
    turtle = Graph().parse(data=example("dcat.ttl", "text/turtle")["example"], format="turtle")
    jsonld = json.dumps(example("dcat.jsonld", "application/ld+json")["example"])
    for excerpt in (turtle, Graph().parse(data=jsonld, format="json-ld")):
        assert len(excerpt) >= 8
        assert set(excerpt) - set(full) == set()
    rows = list(csv.reader(io.StringIO(example("export.csv", "text/csv")["example"])))
    assert tuple(rows[0]) == HEADERS
    assert len(rows) - 1 == len(docs.ENTRY.items)
    exported = example("export.json", "application/json")["example"]["resources"]
    assert [
        Entry.model_validate({k: v for k, v in r.items() if k != "personal_fields"})
        for r in exported
    ] == [docs.ENTRY]
    workbook = example("export.xlsx", XLSX)["examples"]["workbook"]["externalValue"]
    assert workbook.split("?")[0] in paths


def test_parameter_examples_are_accepted_by_the_api(api: TestClient) -> None:
    """Each parameter example, sent with the first example of every required parameter, is
    accepted (no 422) by the operation it documents."""
    refused = []
    app = api.app
    assert isinstance(app, FastAPI)
    for path, method, operation in _operations(app):
        params = operation.get("parameters", [])
        required = {
            (p["in"], p["name"]): next(iter(p["examples"].values()))["value"]
            for p in params
            if p.get("required")
        }
        for param in params:
            for name, ex in param["examples"].items():
                values = {**required, (param["in"], param["name"]): ex["value"]}
                url = path.format(**{n: v for (where, n), v in values.items() if where == "path"})
                query = {n: v for (where, n), v in values.items() if where == "query"}
                response = api.request(method.upper(), url, params=query)
                if response.status_code == 422:
                    refused.append(f"{url} {query} ({param['name']}: {name})")
    assert refused == []
