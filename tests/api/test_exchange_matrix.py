"""Authorisation matrix: 14 organisations × every dataset × every format.

One seeded province per backend (module scope). Cities 320100-320600 hold grants for every
有条件共享 dataset (320100 with the students' personal fields in clear), the others none; a copy of
the catalog adds a 不予共享 dataset. Every response is parsed and checked: row counts equal the
caller's scope, rows belong to the caller's region, personal fields are masked without a grant.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import orjson
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from catalog.loader import PACKAGE_DIR
from hub.api.app import create_app
from hub.services.exchange import shares
from hub.services.exchange.clients import authenticate
from hub.services.exchange.datasets import get_dataset
from hub.storage.engine import make_engine
from schemas.reference import Region
from tests.conftest import BACKENDS, Templates, _fresh_database, make_settings
from tests.services.exchange.factories import CITIES, ORGS, seed_province, token_for

FORMATS = ["records", "changes", "csv", "ndjson", "geojson", "xlsx", "parquet"]
GRANTED = CITIES[:6]
CLEAR_STUDENT_FIELDS = ["name", "xjh", "address"]
NOT_SHARED = "teachers_restricted"
# rows per city in the factory (2 pupils per school, 2 schools of which 1 closed)
PER_CITY = {
    "students": 2,
    "aid_payments": 2,
    "health_tests": 2,
    "teachers": 1,
    "classes": 1,
    "poor_households": 1,
    "graduate_destinations": 1,
    "schools": 2,
    "class_size_stats": 1,
    "ict_surveys": 1,
    "open_school_directory": 1,
    "open_class_size_by_county": 1,
    "open_ict_by_county": 1,
}
CONDITIONAL = ["students", "aid_payments", "health_tests", "teachers", "classes",
               "poor_households", "graduate_destinations"]  # fmt: skip


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    catalog_dir: Path
    regions: int


def _catalog_copy(root: Path) -> Path:
    target = root / "catalog"
    shutil.copytree(PACKAGE_DIR / "entries", target / "entries")
    shutil.copy(PACKAGE_DIR / "registry.yaml", target / "registry.yaml")
    text = (target / "entries" / "teachers.yaml").read_text(encoding="utf-8")
    text = text.replace("id: teachers", f"id: {NOT_SHARED}").replace(
        "code: 30700103/001", "code: 30700103/099"
    )
    text = text.replace("type: 有条件共享", "type: 不予共享")
    (target / "entries" / f"{NOT_SHARED}.yaml").write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, templates: Templates
) -> Iterator[World]:
    root = tmp_path_factory.mktemp("matrix")
    for url in _fresh_database(request.param, root, templates):
        settings = make_settings(url, root / "data").model_copy(
            update={"catalog_dir": _catalog_copy(root), "open_rate_limit": 100_000}
        )
        engine = make_engine(url)
        seed_province(engine)
        tokens = {org: token_for(engine, settings, org) for org in ORGS}
        with Session(engine) as session:
            province = authenticate(session=session, settings=settings, token=tokens["320000"])
            for city in GRANTED:
                caller = authenticate(session=session, settings=settings, token=tokens[city])
                for ds in CONDITIONAL:
                    fields = CLEAR_STUDENT_FIELDS if (city, ds) == ("320100", "students") else []
                    req = shares.submit(
                        session=session, settings=settings, caller=caller, dataset=ds,
                        purpose="控辍保学", legal_basis="义务教育法", fields=fields,
                        period_start=date(2026, 1, 1), period_end=date(2099, 12, 31),
                    )  # fmt: skip
                    assert req.id is not None
                    shares.approve(session=session, caller=province, request_id=req.id)
            regions = len(session.exec(select(Region)).all())
        with TestClient(create_app(settings)) as client:
            yield World(client, tokens, settings.catalog_dir, regions)  # type: ignore[arg-type]
        engine.dispose()


def _parse(fmt: str, content: bytes) -> list[dict[str, Any]]:
    if fmt == "records":
        return list(orjson.loads(content)["data"])
    if fmt == "changes":
        return [c["record"] for c in orjson.loads(content)["changes"]]
    if fmt == "csv":
        return [
            {k: (v if v != "" else None) for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(content.decode()))
        ]
    if fmt == "ndjson":
        return [orjson.loads(line) for line in content.splitlines() if line]
    if fmt == "geojson":
        return [f["properties"] for f in orjson.loads(content)["features"]]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return pq.read_table(io.BytesIO(content)).to_pylist()


def _url(code: str, fmt: str) -> str:
    base = f"/api/v1/datasets/{code}"
    if fmt == "records":
        return f"{base}/records?limit=10000"
    if fmt == "changes":
        return f"{base}/changes?since=0&limit=10000"
    return f"{base}/export.{fmt}"


def _city_of(record: dict[str, Any]) -> str | None:
    """The city a row belongs to, from whichever locating field it shows in clear."""
    for name in ("county_adcode", "employer_adcode"):
        if record.get(name):
            return str(record[name])[:4] + "00"
    for name in ("school_code", "code"):
        value = record.get(name)
        if value and len(str(value)) == 10:
            return "32" + str(value)[4:6] + "00"
    xjh = record.get("xjh")
    if xjh and "*" not in str(xjh):
        return "32" + str(xjh)[5:7] + "00"  # factory pupils: G3201<city>...
    return None


def _expected(org: str, ds_id: str, fmt: str) -> int | None:
    """Rows the org must receive, or None when the request must be refused."""
    if ds_id == NOT_SHARED:
        return 13 if org == "320000" else None
    if ds_id == "regions":
        return -1  # every region: checked against the table size
    if ds_id in CONDITIONAL:
        if org == "320000":
            return 13 * PER_CITY[ds_id]
        return PER_CITY[ds_id] if org in GRANTED else None
    return 13 * PER_CITY[ds_id]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("org", ORGS)
def test_pull_respects_scope_and_masking(world: World, org: str, fmt: str) -> None:
    headers = {"Authorization": f"Bearer {world.tokens[org]}"}
    settings_datasets = world.client.get("/api/v1/datasets", headers=headers).json()
    assert len(settings_datasets) == 15
    for item in settings_datasets:
        code, ds_id = item["code"], item["id"]
        r = world.client.get(_url(code, fmt), headers=headers)
        expected = _expected(org, ds_id, fmt)
        versioned = not ds_id.startswith("open_") and ds_id != "regions"
        if expected is None:
            assert r.status_code == 403, (code, fmt, r.text[:200])
            continue
        if fmt == "changes" and not versioned:
            assert r.status_code == 422, (code, r.text[:200])
            continue
        assert r.status_code == 200, (code, fmt, r.text[:200])
        rows = _parse(fmt, r.content)
        if expected == -1:
            assert len(rows) == world.regions
            continue
        assert len(rows) == expected, (code, fmt, len(rows))
        if org != "320000" and ds_id in CONDITIONAL:
            assert {_city_of(row) for row in rows} <= {org, None}, (code, fmt)
        dataset = get_dataset(world.client.app.state.settings, code)  # type: ignore[attr-defined]
        clear = set(CLEAR_STUDENT_FIELDS) if (org, ds_id) == ("320100", "students") else set()
        if org == "320000":
            continue
        for name in dataset.personal - clear:
            for row in rows:
                value = row.get(name)
                assert value is None or name.endswith("_masked") or str(value).endswith("***"), (
                    code,
                    fmt,
                    name,
                    value,
                )


def test_pull_open_dataset_without_token_suppresses_small_cells(world: World) -> None:
    r = world.client.get("/api/v1/datasets/open_ict_by_county/records")
    assert r.status_code == 200
    rows = r.json()["data"]
    assert rows
    assert all(row["schools"] is None and row["bandwidth_median_mbps"] is None for row in rows)


def test_pull_closed_dataset_without_token_is_refused(world: World) -> None:
    assert world.client.get("/api/v1/datasets/students/export.csv").status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "school_code=2132010001%20OR%201=1",
        "school_code__in=2132010001,2132020001,2132030001",
        "school_code__gte=0&school_code__lte=9",
        "school_code=%27%3B%20DROP%20TABLE%20students%3B--",
        "school_code__gte=2132010001&school_code__gte=0",
    ],
)
def test_pull_crafted_filters_never_leave_scope(world: World, query: str) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['320200']}"}
    r = world.client.get(f"/api/v1/datasets/students/records?{query}", headers=headers)
    assert r.status_code == 200
    assert {row["school_code"] for row in r.json()["data"]} <= {"2132020001"}


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("secret_column=1", 422),
        ("school_code__regex=.*", 422),
        ("name=张20", 403),
        ("sort=name", 422),
        ("fields=school_code,password", 422),
        ("cursor=!!notbase64", 422),
    ],
)
def test_pull_crafted_filters_are_refused(world: World, query: str, status: int) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['320200']}"}
    r = world.client.get(f"/api/v1/datasets/students/records?{query}", headers=headers)
    assert r.status_code == status, r.text
