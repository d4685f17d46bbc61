"""The CKAN-compatible action API: envelope, error shape, and a real CKAN client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from ckanapi import NotFound, RemoteCKAN, SearchError
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import Engine

from catalog.model import Entry
from catalog.renderers.ckan import organization_id
from hub.api.app import create_app
from hub.api.server import BackgroundServer
from hub.services.ckan_models import Failure, Organization, Package, SearchResult, Status, Success
from hub.settings import Settings
from tests.catalog.factories import copy_catalog, edit_entry, publish, shipped_entries

LATER = date(2026, 12, 5)


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


@pytest.mark.parametrize("fq", ["colour:red", 'tags:"unclosed', "organization:(a OR", "a AND"])
def test_package_search_refuses_bad_fq_as_ckan_search_error(api: TestClient, fq: str) -> None:
    response = api.get("/api/3/action/package_search", params={"fq": fq})
    assert response.status_code == 409
    body = response.json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Search Error"
    assert body["error"]["message"].startswith("Search error: (")


def test_package_search_rows_out_of_range_is_validation_error(api: TestClient) -> None:
    response = api.get("/api/3/action/package_search", params={"rows": 5000})
    assert response.status_code == 409
    assert response.json()["error"]["__type"] == "Validation Error"


CKAN_MODELS: list[tuple[str, dict[str, Any], Any]] = [
    ("status_show", {}, Success[Status]),
    ("package_list", {}, Success[list[str]]),
    ("package_show", {"id": "students"}, Success[Package]),
    ("package_search", {"rows": 100}, Success[SearchResult]),
    ("organization_list", {}, Success[list[str]]),
    ("organization_list", {"all_fields": "true"}, Success[list[Organization]]),
    ("organization_show", {"id": "320000-jyt", "include_datasets": "true"}, Success[Organization]),
    ("package_show", {"id": "nosuch"}, Failure),
    ("package_show", {}, Failure),
    ("package_search", {"fq": "colour:red"}, Failure),
]


def test_answers_match_the_documented_models(api: TestClient) -> None:
    """The models that document the CKAN routes (every field declared, nothing else allowed)
    read the real answers, so the OpenAPI schema of these routes is what clients get."""
    for action, params, model in CKAN_MODELS:
        body = api.get(f"/api/3/action/{action}", params=params).json()
        TypeAdapter(model).validate_python(body)


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


@pytest.fixture
def dated_url(engine: Engine, settings: Settings, tmp_path: Path) -> Iterator[str]:
    """The shipped catalog with regions published later than the rest, served over HTTP."""
    own = settings.model_copy(update={"catalog_dir": copy_catalog(tmp_path / "c")})
    assert own.catalog_dir is not None
    edit_entry(own.catalog_dir, "regions", published=LATER.isoformat())
    publish(engine, own, "1.0")
    with BackgroundServer(create_app(own)) as url:
        yield url


def _where(test: Callable[[Entry], bool]) -> set[str]:
    return {e.id for e in shipped_entries() if test(e)}


MZT = organization_id("320000-MZT")
EXCHANGE = "JSON/CSV（eduhub 交换接口）"
FQ_CASES: list[tuple[str, Callable[[Entry], bool]]] = [
    ("organization:320000-mzt", lambda e: e.provider.code == "320000-MZT"),
    (f'owner_org:"{MZT}"', lambda e: e.provider.code == "320000-MZT"),
    ("-organization:320000-jyt", lambda e: e.provider.code != "320000-JYT"),
    ("NOT organization:320000-jyt", lambda e: e.provider.code != "320000-JYT"),
    ("tags:学籍", lambda e: "学籍" in e.keywords),
    ('tags:"班额"', lambda e: "班额" in e.keywords),
    ("tags:教育", lambda e: "教育" in e.keywords),
    ("res_format:XLSX", lambda e: e.format.type == "XLSX"),
    (f'res_format:"{EXCHANGE}"', lambda e: e.format.type == EXCHANGE),
    ("name:students", lambda e: e.id == "students"),
    ("name:open_*", lambda e: e.id.startswith("open_")),
    ("license_id:other-at", lambda e: e.openness.open),
    ("license_id:notspecified", lambda e: not e.openness.open),
    ("groups:education", lambda e: False),
    ("-groups:education", lambda e: True),
    ("*:*", lambda e: True),
    ("state:active +capacity:public", lambda e: True),
    (
        '+organization:320000-jyt +catalog_sharing_type:"无条件共享"',
        lambda e: e.provider.code == "320000-JYT" and e.sharing.type.value == "无条件共享",
    ),
    (
        "organization:320000-jyt AND extras_catalog_open:是",
        lambda e: e.provider.code == "320000-JYT" and e.openness.open,
    ),
    (
        "organization:320000-mzt OR tags:学籍",
        lambda e: e.provider.code == "320000-MZT" or "学籍" in e.keywords,
    ),
    (
        "organization:(320000-mzt OR 320000-jyt) catalog_update_cycle:每年",
        lambda e: e.update_cycle.value == "每年",
    ),
    (
        "update_cycle:每季度 -tags:宽带",
        lambda e: e.update_cycle.value == "每季度" and "宽带" not in e.keywords,
    ),
    ("catalog_classification_code:30700101", lambda e: e.classification.code == "30700101"),
    ("大班额", lambda e: e.id in {"classes", "class_size_stats", "open_class_size_by_county"}),
    # what ckanext-harvest sends for an incremental harvest of two organizations
    (
        "organization:320000-mzt OR organization:320000-jyt "
        "metadata_modified:[2026-12-01T08:30:00.123456Z TO *]",
        lambda e: e.id == "regions",
    ),
    ("metadata_modified:[2026-11-29T00:00:00Z TO *]", lambda e: True),
    ("metadata_modified:[2026-12-01T08:30:00Z/DAY+4DAYS TO *]", lambda e: e.id == "regions"),
    ("metadata_modified:[2026-12-05T00:00:00Z-6DAYS TO *]", lambda e: True),
    ("title:班额", lambda e: "班额" in e.name),
    ("title:(学籍 OR 资助)", lambda e: "学籍" in e.name or "资助" in e.name),
    ("notes:学籍", lambda e: "学籍" in e.abstract),
    ('notes:"班级 学校"', lambda e: "班级" in e.abstract and "学校" in e.abstract),
    (
        "notes:(资助 OR 宽带) -title:资助",
        lambda e: ("资助" in e.abstract or "宽带" in e.abstract) and "资助" not in e.name,
    ),
    ("notes:gb", lambda e: "gb" in e.abstract.lower()),  # folded: the abstract says GB
    ("metadata_modified:{2026-11-29T00:00:00Z TO *]", lambda e: e.id == "regions"),
    ("metadata_modified:[* TO 2026-12-05T00:00:00Z}", lambda e: e.id != "regions"),
    (
        "metadata_created:[2026-11-28T23:00:00Z TO 2026-11-29T12:00:00Z]",
        lambda e: e.id != "regions",
    ),
]


def test_ckanapi_fq_filters_match_the_entries(dated_url: str) -> None:
    """Each fq through ckanapi (POST JSON, as harvesters call) returns exactly the entries that
    the filter describes, worked out here from the YAML entries themselves."""
    wrong = {}
    with RemoteCKAN(dated_url) as ckan:
        for fq, test in FQ_CASES:
            result = ckan.action.package_search(fq=fq, rows=100)
            found = {p["name"] for p in result["results"]}
            expected = _where(test)
            if found != expected or result["count"] != len(expected):
                wrong[fq] = (sorted(found), sorted(expected))
    assert wrong == {}


NATIVE_EQUIVALENTS: list[tuple[str, str | None, dict[str, str]]] = [
    ("organization:320000-mzt", None, {"provider": "320000-MZT"}),
    ("res_format:XLSX", None, {"format": "XLSX"}),
    ("license_id:other-at", None, {"open": "true"}),
    ('catalog_sharing_type:"有条件共享"', None, {"sharing_type": "有条件共享"}),
    (
        "+update_cycle:每年 +organization:320000-jyt",
        None,
        {"update_cycle": "每年", "provider": "320000-JYT"},
    ),
    ("catalog_classification_code:30700101", "班额", {"classification": "30700101", "q": "班额"}),
    ("open:false", "学籍", {"open": "false", "q": "学籍"}),
]


def test_ckanapi_fq_answers_as_the_native_api_filters(live_url: str) -> None:
    """fq through ckanapi and the equivalent native filters find the same resources."""
    wrong = {}
    with RemoteCKAN(live_url) as ckan:
        for fq, q, params in NATIVE_EQUIVALENTS:
            result = ckan.action.package_search(fq=fq, q=q, rows=100)
            native = httpx.get(
                f"{live_url}/api/v1/catalog/resources", params={**params, "limit": 1000}
            ).json()
            ids = sorted(r["id"] for r in native["data"])
            if sorted(p["name"] for p in result["results"]) != ids or not ids:
                wrong[fq] = (sorted(p["name"] for p in result["results"]), ids)
    assert wrong == {}


def test_ckanapi_fq_combines_with_q_and_fielded_q(dated_url: str) -> None:
    with RemoteCKAN(dated_url) as ckan:
        both = ckan.action.package_search(q="班额", fq="res_format:XLSX", rows=100)
        fielded = ckan.action.package_search(q="tags:学籍号", rows=100)
    assert {p["name"] for p in both["results"]} == {"open_class_size_by_county"}
    assert [p["name"] for p in fielded["results"]] == ["students"]


def test_ckanapi_fq_by_package_id(dated_url: str) -> None:
    """id: is the package's UUID, as package_show gives it (what a harvester keeps)."""
    with RemoteCKAN(dated_url) as ckan:
        pid = ckan.action.package_show(id="students")["id"]
        found = ckan.action.package_search(fq=f"id:{pid}", rows=100)["results"]
        either = ckan.action.package_search(fq=f'id:("{pid}" OR "no-such-id")', rows=100)
    assert [p["name"] for p in found] == ["students"]
    assert [p["name"] for p in either["results"]] == ["students"]


@pytest.mark.parametrize(
    "fq", ["colour:red", 'tags:"unclosed', "metadata_modified:[yesterday TO *]"]
)
def test_ckanapi_raises_search_error_for_a_bad_fq(live_url: str, fq: str) -> None:
    with RemoteCKAN(live_url) as ckan, pytest.raises(SearchError):
        ckan.action.package_search(fq=fq)


def test_sort_by_metadata_modified(dated_url: str) -> None:
    with RemoteCKAN(dated_url) as ckan:
        newest = ckan.action.package_search(sort="metadata_modified desc", rows=100)["results"]
        oldest = ckan.action.package_search(sort="metadata_modified asc", rows=100)["results"]
    assert newest[0]["name"] == "regions"
    assert oldest[-1]["name"] == "regions"
    assert [p["metadata_modified"] for p in newest] == sorted(
        (p["metadata_modified"] for p in newest), reverse=True
    )
