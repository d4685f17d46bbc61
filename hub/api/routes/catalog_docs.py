"""OpenAPI documentation of the catalog and CKAN routes: response examples and error shapes.

The examples describe one resource, ``EXAMPLE_ENTRY`` (the student registry, three of its
info items). The listing, detail, CSV, JSON and CKAN examples are built from it by the same
code that answers requests (cheap, at import), so they cannot drift from the real answers;
the Turtle and JSON-LD excerpts are written out (rdflib is too slow to run at import) and
``tests/api/test_catalog_api.py`` checks that every triple in them is produced by the
renderer for ``EXAMPLE_ENTRY``. The same test walks ``app.openapi()`` and fails when a catalog
or CKAN operation lacks an example or an example does not parse through its response model.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from catalog.model import Entry
from catalog.renderers import ExportContext
from catalog.renderers.ckan import CkanPackages
from catalog.renderers.csv import CsvRenderer
from catalog.renderers.json import JsonRenderer

PROBLEM_MEDIA = "application/problem+json"
BASE = "https://eduhub.jyt.jiangsu.gov.cn"
PROBLEMS = f"{BASE}/problems/"


class Problem(BaseModel):
    """RFC 9457 problem details, as every eduhub error is answered."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str


EXAMPLE_ENTRY: dict[str, Any] = {
    "id": "students",
    "code": "30700102/001",
    "name": "中小学学生学籍信息",
    "name_en": "Student registry (学籍)",
    "classification": {
        "class_code": "3",
        "item_code": "07",
        "category_code": "001",
        "category_name": "江苏省教育厅",
        "subcategory_code": "02",
        "subcategory_name": "学生",
    },
    "provider": {
        "name": "江苏省教育厅",
        "code": "320000-JYT",
        "name_en": "Jiangsu Provincial Department of Education",
        "department": "基础教育处",
    },
    "abstract": "全国中小学生学籍信息管理系统中在江苏就读学生的学籍信息：全国学籍号、姓名、"
    "就读学校、年级、学籍状态等。身份证件号只以匹配哈希和脱敏形式保存。",
    "abstract_en": "Registry of primary and secondary pupils in Jiangsu: national student "
    "number, name, school, grade and status.",
    "format": {"category": "自描述格式", "type": "JSON/CSV（eduhub 交换接口）"},
    "items": [
        {"name": "全国学籍号", "field": "xjh", "data_type": "C", "length": 19, "personal": True},
        {"name": "姓名", "field": "name", "data_type": "C", "length": 60, "personal": True},
        {"name": "学校标识码", "field": "school_code", "data_type": "C", "length": 10},
    ],
    "sharing": {
        "type": "有条件共享",
        "condition": "限依法履行职责的教育、民政、公安、卫生健康部门，经共享平台申请、"
        "提供方审核同意后按最小必要原则获取",
        "basis": "《中华人民共和国个人信息保护法》第十三条、第三十四条",
        "method": "共享平台方式",
        "method_type": "接口",
    },
    "openness": {"open": False},
    "update_cycle": "每日",
    "published": "2026-11-29",
    "related": ["30700101/001"],
    "keywords": ["学籍", "学籍号", "学生"],
    "entity": "students",
    "row_scope": "就读学校所在县（市、区）属于申请方所辖范围的学生",
}
ENTRY = Entry.model_validate(EXAMPLE_ENTRY)
ENTRY_JSON: dict[str, Any] = ENTRY.model_dump(mode="json")
CONTEXT = ExportContext(version="1.0", base_uri=BASE, generated=datetime(2026, 11, 29, tzinfo=UTC))

# -- native catalog API --------------------------------------------------------------------------

SUMMARY = {
    "code": ENTRY.code,
    "id": ENTRY.id,
    "name": ENTRY.name,
    "provider": ENTRY.provider.name,
    "provider_code": ENTRY.provider.code,
    "classification_code": ENTRY.classification.code,
    "sharing_type": ENTRY.sharing.type.value,
    "open": ENTRY.openness.open,
    "update_cycle": ENTRY.update_cycle.value,
    "format": f"{ENTRY.format.category.value}/{ENTRY.format.type}",
}
RESOURCE_PAGE = {"version": "1.0", "count": 1, "data": [SUMMARY]}
RESOURCE_DETAIL = {"version": "1.0", "resource": ENTRY_JSON, "personal_fields": ["xjh", "name"]}
VERSION_1_0 = {
    "version": "1.0",
    "published_at": "2026-11-29T08:00:00Z",
    "entry_count": 14,
    "digest": "9f2c4be0" * 8,
    "note": "目录 1.0",
}
VERSION_1_1 = {
    **VERSION_1_0,
    "version": "1.1",
    "published_at": "2026-12-15T08:00:00Z",
    "digest": "0b7d31aa" * 8,
    "note": "学校基本信息改为每周更新",
}
DIFF = {
    "old_version": "1.0",
    "new_version": "1.1",
    "added": [],
    "removed": [],
    "changed": [
        {
            "code": "30700101/001",
            "id": "schools",
            "name": "学校基本信息",
            "fields": [{"field": "update_cycle", "old": "每日", "new": "每周"}],
            "items": {"added": [], "removed": [], "changed": {}},
        }
    ],
}
CSV = CsvRenderer().render([ENTRY], CONTEXT).decode("utf-8-sig")
JSON_EXPORT: dict[str, Any] = orjson.loads(JsonRenderer().render([ENTRY], CONTEXT))
TURTLE = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix eduhub: <https://eduhub.jyt.jiangsu.gov.cn/def/catalog#> .
@prefix students: <https://eduhub.jyt.jiangsu.gov.cn/api/v1/catalog/resources/students#> .

<https://eduhub.jyt.jiangsu.gov.cn/api/v1/catalog> a dcat:Catalog ;
    dct:title "江苏省教育政务信息资源目录"@zh ;
    dct:hasVersion "1.0" ;
    dcat:dataset <https://eduhub.jyt.jiangsu.gov.cn/api/v1/catalog/resources/students> .

<https://eduhub.jyt.jiangsu.gov.cn/api/v1/catalog/resources/students> a dcat:Dataset ;
    dct:identifier "30700102/001" ;
    dct:title "中小学学生学籍信息"@zh, "Student registry (学籍)"@en ;
    dct:publisher <https://eduhub.jyt.jiangsu.gov.cn/api/3/action/organization_show?id=320000-JYT> ;
    dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/DAILY> ;
    dct:accessRights <http://publications.europa.eu/resource/authority/access-right/RESTRICTED> ;
    dcat:keyword "学籍"@zh ;
    dcat:distribution students:distribution ;
    eduhub:sharingType "有条件共享"@zh ;
    eduhub:classificationCode "30700102" .

students:distribution a dcat:Distribution ;
    dct:format <http://publications.europa.eu/resource/authority/file-type/JSON> ;
    dcat:accessURL <https://eduhub.jyt.jiangsu.gov.cn/api/v1/catalog/resources/students> .

<https://eduhub.jyt.jiangsu.gov.cn/api/3/action/organization_show?id=320000-JYT> a foaf:Agent ;
    dct:identifier "320000-JYT" ;
    foaf:name "江苏省教育厅"@zh .
"""
JSON_LD: dict[str, Any] = {
    "@context": {
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/",
    },
    "@graph": [
        {
            "@id": f"{BASE}/api/v1/catalog/resources/students",
            "@type": "dcat:Dataset",
            "dct:identifier": "30700102/001",
            "dct:title": [
                {"@language": "zh", "@value": "中小学学生学籍信息"},
                {"@language": "en", "@value": "Student registry (学籍)"},
            ],
            "dct:publisher": {"@id": f"{BASE}/api/3/action/organization_show?id=320000-JYT"},
            "dcat:distribution": {"@id": f"{BASE}/api/v1/catalog/resources/students#distribution"},
        },
        {
            "@id": f"{BASE}/api/3/action/organization_show?id=320000-JYT",
            "@type": "foaf:Agent",
            "foaf:name": {
                "@language": "en",
                "@value": "Jiangsu Provincial Department of Education",
            },
        },
    ],
}


def problem(status: int, slug: str, title: str, detail: str, instance: str) -> dict[str, Any]:
    return {
        "type": PROBLEMS + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }


def problems(path: str, *, not_found: str | None = None) -> dict[int | str, dict[str, Any]]:
    """Documented error answers (problem+json) of a catalog route: 422, and 404 if it can."""
    schema = Problem.model_json_schema()
    answers: dict[int | str, dict[str, Any]] = {
        422: {
            "description": "Invalid parameter",
            "content": {
                PROBLEM_MEDIA: {
                    "schema": schema,
                    "example": {
                        **problem(
                            422,
                            "invalid",
                            "Invalid input",
                            "query.limit: Input should be less than or equal to 1000",
                            path,
                        ),
                        "errors": [
                            {
                                "loc": ["query", "limit"],
                                "msg": "Input should be less than or equal to 1000",
                                "type": "less_than_equal",
                            }
                        ],
                    },
                }
            },
        }
    }
    if not_found is not None:
        answers[404] = {
            "description": "Nothing published yet, or no such version or resource",
            "content": {
                PROBLEM_MEDIA: {
                    "schema": schema,
                    "example": problem(404, "not-found", "Not found", not_found, path),
                }
            },
        }
    return answers


def ok(example: Any, media: str = "application/json", **extra: Any) -> dict[int | str, Any]:
    """A 200 answer carrying ``example``."""
    return {200: {"content": {media: {"example": example}}, **extra}}


def merged(*parts: dict[int | str, Any]) -> dict[int | str, Any]:
    out: dict[int | str, Any] = {}
    for part in parts:
        out.update(part)
    return out


# -- CKAN action API -------------------------------------------------------------------------------

PACKAGES = CkanPackages(CONTEXT)
PACKAGE: dict[str, Any] = PACKAGES.package(ENTRY)
ORGANIZATION: dict[str, Any] = PACKAGES.organization(ENTRY.provider, 13)


def ckan_help(action: str) -> str:
    return f"{BASE}/api/3/action/help_show?name={action}"


def ckan_ok(action: str, result: Any) -> dict[str, Any]:
    return {"help": ckan_help(action), "success": True, "result": result}


def ckan_error(action: str, type_: str, message: str) -> dict[str, Any]:
    return {
        "help": ckan_help(action),
        "success": False,
        "error": {"__type": type_, "message": message},
    }


CKAN_STATUS = ckan_ok(
    "status_show",
    {
        "ckan_version": "2.10.4",
        "site_title": "eduhub 江苏省教育数据交换平台",
        "site_description": "江苏省教育政务信息资源目录 (CKAN-compatible read API)",
        "site_url": BASE,
        "locale_default": "zh_Hans_CN",
        "extensions": ["eduhub_catalog"],
    },
)
CKAN_PACKAGE_LIST = ckan_ok("package_list", ["aid_payments", "class_size_stats", "classes"])
CKAN_PACKAGE_SHOW = ckan_ok("package_show", PACKAGE)
CKAN_SEARCH = ckan_ok(
    "package_search",
    {
        "count": 1,
        "sort": "score desc, metadata_modified desc",
        "results": [PACKAGE],
        "facets": {},
        "search_facets": {},
    },
)
CKAN_ORGANIZATION_LIST = ckan_ok("organization_list", ["320000-jyt", "320000-mzt"])
CKAN_ORGANIZATION_SHOW = ckan_ok("organization_show", ORGANIZATION)


def ckan_failures(
    action: str, model: type[BaseModel], *kinds: str, not_found: str = ""
) -> dict[int | str, Any]:
    """CKAN's error answers of ``action``: ``not_found``, ``invalid`` and/or ``search``."""
    answers: dict[int | str, Any] = {}
    if "not_found" in kinds:
        answers[404] = {
            "model": model,
            "description": "Not found (CKAN error shape)",
            "content": {
                "application/json": {
                    "example": ckan_error(
                        action, "Not Found Error", "Not found: Dataset not found: nosuch"
                    )
                }
            },
        }
    examples: dict[str, Any] = {}
    if "invalid" in kinds:
        examples["validation"] = {
            "summary": "a parameter CKAN would refuse",
            "value": ckan_error(action, "Validation Error", "id: Missing value"),
        }
    if "search" in kinds:
        examples["search"] = {
            "summary": "an fq that cannot be read or names an unknown field (as Solr refuses it)",
            "value": ckan_error(
                action,
                "Search Error",
                "Search error: (\"undefined field 'colour'; this catalog answers fq on: ...\",)",
            ),
        }
    if examples:
        answers[409] = {
            "model": model,
            "description": "Validation or search error (CKAN error shape)",
            "content": {"application/json": {"examples": examples}},
        }
    return answers
