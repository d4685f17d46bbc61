"""The resource catalog 目录: list and search, one resource, versions, diffs, exports, DCAT-AP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from catalog.diff import CatalogDiff
from catalog.model import Entry, SharingType, UpdateCycle
from hub.api.deps import SessionDep, SettingsDep
from hub.services import catalog
from hub.services.catalog import ResourcePage, VersionInfo
from hub.storage.catalog_index import SORTS, Filters

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

SUMMARY_EXAMPLE = {
    "version": "1.0",
    "count": 1,
    "data": [
        {
            "code": "30700102/001",
            "id": "students",
            "name": "中小学学生学籍信息",
            "provider": "江苏省教育厅",
            "provider_code": "320000-JYT",
            "classification_code": "30700102",
            "sharing_type": "有条件共享",
            "open": False,
            "update_cycle": "每日",
            "format": "自描述格式/JSON/CSV（eduhub 交换接口）",
        }
    ],
}
VersionQuery = Annotated[
    str | None,
    Query(description="Published version (default: the latest)", examples=["1.0"]),
]


class ResourceDetail(BaseModel):
    version: str
    resource: Entry
    personal_fields: list[str]


def _file(export: catalog.Export, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        export.content,
        media_type=export.media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{export.filename}"'},
    )


@router.get(
    "/resources",
    summary="List and search catalog resources",
    description="Full-text search (`q`) works on Chinese partial words such as 学籍 or 大班额 "
    "(every whitespace-separated term must match); filters combine with AND.",
    responses={200: {"content": {"application/json": {"example": SUMMARY_EXAMPLE}}}},
)
def list_resources(
    session: SessionDep,
    q: Annotated[
        str | None,
        Query(
            description="Words to find in names, abstracts, keywords and info items",
            openapi_examples={
                "学籍": {"summary": "two-character word", "value": "学籍"},
                "大班额": {"summary": "partial word", "value": "大班额"},
                "two terms": {"summary": "every term must match", "value": "教育 信息化"},
            },
        ),
    ] = None,
    provider: Annotated[
        str | None, Query(description="提供方代码 or name", examples=["320000-JYT"])
    ] = None,
    classification: Annotated[
        str | None, Query(description="分类码 or its prefix", examples=["30700102"])
    ] = None,
    sharing_type: Annotated[SharingType | None, Query(description="共享类型")] = None,
    open: Annotated[bool | None, Query(description="是否向社会开放")] = None,
    update_cycle: Annotated[UpdateCycle | None, Query(description="更新周期")] = None,
    format: Annotated[
        str | None, Query(description="格式分类 or 格式类型", examples=["XLSX"])
    ] = None,
    version: VersionQuery = None,
    sort: Annotated[str, Query(description=f"One of: {', '.join(SORTS)}")] = "code",
    limit: Annotated[int, Query(ge=0, le=1000)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ResourcePage:
    filters = Filters(
        provider=provider,
        classification=classification,
        sharing_type=sharing_type.value if sharing_type else None,
        is_open=open,
        update_cycle=update_cycle.value if update_cycle else None,
        format=format,
    )
    return catalog.list_resources(
        session=session,
        q=q,
        filters=filters,
        version=version,
        sort=sort,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/resources/{key:path}",
    summary="One resource with every metadata element",
    description="`key` is the resource code (`30700102/001`) or its id (`students`).",
    responses={404: {"description": "No such resource in that version (problem+json)"}},
)
def show_resource(session: SessionDep, key: str, version: VersionQuery = None) -> ResourceDetail:
    resolved = catalog.resolve_version(session=session, version=version)
    entry = catalog.show_resource(session=session, key=key, version=resolved)
    return ResourceDetail(version=resolved, resource=entry, personal_fields=entry.personal_fields)


@router.get("/versions", summary="Published catalog versions, oldest first")
def list_versions(session: SessionDep) -> list[VersionInfo]:
    return catalog.list_versions(session=session)


@router.get("/versions/{version}", summary="One published version")
def show_version(session: SessionDep, version: str) -> VersionInfo:
    resolved = catalog.resolve_version(session=session, version=version)
    return next(v for v in catalog.list_versions(session=session) if v.version == resolved)


DIFF_EXAMPLE: dict[str, Any] = {
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


@router.get(
    "/diff",
    summary="Resources and info items added, removed or changed between two versions",
    responses={200: {"content": {"application/json": {"example": DIFF_EXAMPLE}}}},
)
def diff(
    session: SessionDep,
    old: Annotated[str, Query(alias="from", examples=["1.0"])],
    new: Annotated[str, Query(alias="to", examples=["1.1"])],
) -> CatalogDiff:
    return catalog.diff_versions(session=session, old=old, new=new)


def _export_route(fmt: str, path: str, summary: str, inline: bool = False) -> None:
    def endpoint(session: SessionDep, settings: SettingsDep, version: VersionQuery = None) -> Any:
        export = catalog.export(session=session, settings=settings, fmt=fmt, version=version)
        return _file(export, inline=inline)

    endpoint.__name__ = f"export_{fmt}"
    media = catalog.RENDERERS[fmt].media_type.split(";")[0]
    router.add_api_route(
        path,
        endpoint,
        methods=["GET"],
        summary=summary,
        response_class=Response,
        responses={200: {"content": {media: {}}, "description": summary}},
    )


_export_route("ttl", "/dcat.ttl", "DCAT-AP 3.0 as Turtle", inline=True)
_export_route("jsonld", "/dcat.jsonld", "DCAT-AP 3.0 as JSON-LD", inline=True)
_export_route("xlsx", "/export.xlsx", "Excel workbook: one row per info item, Chinese headers")
_export_route("csv", "/export.csv", "CSV (UTF-8 with BOM) in the workbook layout")
_export_route("json", "/export.json", "Every entry as JSON")
