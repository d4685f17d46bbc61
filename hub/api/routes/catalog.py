"""The resource catalog 目录: list and search, one resource, versions, diffs, exports, DCAT-AP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from catalog.diff import CatalogDiff
from catalog.model import Entry, SharingType, UpdateCycle
from hub.api.deps import SessionDep, SettingsDep
from hub.api.routes import catalog_docs as docs
from hub.services import catalog
from hub.services.catalog import ResourcePage, VersionInfo
from hub.storage.catalog_index import SORTS, Filters

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])
PREFIX = "/api/v1/catalog"
NOT_PUBLISHED = "no catalog version is published yet: run `eduhub catalog publish`"


def examples(**values: Any) -> dict[str, Any]:
    """openapi_examples of a parameter: name -> value (the name doubles as the summary)."""
    return {name: {"summary": name.replace("_", " "), "value": v} for name, v in values.items()}


VersionQuery = Annotated[
    str | None,
    Query(
        description="Published version (default: the latest)",
        openapi_examples=examples(latest_but_one="1.0", later="1.1"),
    ),
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
    responses=docs.merged(
        docs.ok(docs.RESOURCE_PAGE), docs.problems(f"{PREFIX}/resources", not_found=NOT_PUBLISHED)
    ),
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
        str | None,
        Query(
            description="提供方代码 or name",
            openapi_examples=examples(by_code="320000-JYT", by_name="江苏省民政厅"),
        ),
    ] = None,
    classification: Annotated[
        str | None,
        Query(
            description="分类码 or its prefix",
            openapi_examples=examples(students="30700102", education_department="307001"),
        ),
    ] = None,
    sharing_type: Annotated[
        SharingType | None,
        Query(
            description="共享类型",
            openapi_examples=examples(conditional="有条件共享", unconditional="无条件共享"),
        ),
    ] = None,
    open: Annotated[
        bool | None,
        Query(description="是否向社会开放", openapi_examples=examples(open_data=True)),
    ] = None,
    update_cycle: Annotated[
        UpdateCycle | None,
        Query(description="更新周期", openapi_examples=examples(yearly="每年", daily="每日")),
    ] = None,
    format: Annotated[
        str | None,
        Query(
            description="格式分类 or 格式类型",
            openapi_examples=examples(spreadsheet_type="XLSX", category="自描述格式"),
        ),
    ] = None,
    version: VersionQuery = None,
    sort: Annotated[
        str,
        Query(
            description=f"One of: {', '.join(SORTS)}",
            openapi_examples=examples(by_code="code", by_name_descending="name desc"),
        ),
    ] = "code",
    limit: Annotated[
        int, Query(ge=0, le=1000, openapi_examples=examples(page_of_50=50, count_only=0))
    ] = 20,
    offset: Annotated[int, Query(ge=0, openapi_examples=examples(third_page=40))] = 0,
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
    responses=docs.merged(
        docs.ok(docs.RESOURCE_DETAIL),
        docs.problems(
            f"{PREFIX}/resources/nosuch",
            not_found="no resource 'nosuch' in catalog version 1.0",
        ),
    ),
)
def show_resource(
    session: SessionDep,
    key: Annotated[
        str,
        Path(
            description="resource code or id",
            openapi_examples=examples(by_code="30700102/001", by_id="students"),
        ),
    ],
    version: VersionQuery = None,
) -> ResourceDetail:
    resolved = catalog.resolve_version(session=session, version=version)
    entry = catalog.show_resource(session=session, key=key, version=resolved)
    return ResourceDetail(version=resolved, resource=entry, personal_fields=entry.personal_fields)


@router.get(
    "/versions",
    summary="Published catalog versions, oldest first",
    responses=docs.ok([docs.VERSION_1_0, docs.VERSION_1_1]),
)
def list_versions(session: SessionDep) -> list[VersionInfo]:
    return catalog.list_versions(session=session)


@router.get(
    "/versions/{version}",
    summary="One published version",
    responses=docs.merged(
        docs.ok(docs.VERSION_1_0),
        docs.problems(
            f"{PREFIX}/versions/9.9", not_found="catalog version 9.9 has not been published"
        ),
    ),
)
def show_version(
    session: SessionDep,
    version: Annotated[str, Path(openapi_examples=examples(first="1.0", second="1.1"))],
) -> VersionInfo:
    resolved = catalog.resolve_version(session=session, version=version)
    return next(v for v in catalog.list_versions(session=session) if v.version == resolved)


@router.get(
    "/diff",
    summary="Resources and info items added, removed or changed between two versions",
    responses=docs.merged(
        docs.ok(docs.DIFF),
        docs.problems(f"{PREFIX}/diff", not_found="catalog version 9.9 has not been published"),
    ),
)
def diff(
    session: SessionDep,
    old: Annotated[str, Query(alias="from", openapi_examples=examples(first="1.0"))],
    new: Annotated[str, Query(alias="to", openapi_examples=examples(second="1.1"))],
) -> CatalogDiff:
    return catalog.diff_versions(session=session, old=old, new=new)


EXPORT_EXAMPLES: dict[str, dict[str, Any]] = {
    "ttl": {"example": docs.TURTLE},
    "jsonld": {"example": docs.JSON_LD},
    "csv": {"example": docs.CSV},
    "json": {"example": docs.JSON_EXPORT},
    "xlsx": {
        "schema": {"type": "string", "format": "binary"},
        "examples": {
            "workbook": {
                "summary": "sheet 信息资源目录 (one row per 信息项, Chinese headers) and 说明",
                "externalValue": f"{PREFIX}/export.xlsx?version=1.0",
            }
        },
    },
}


def _export_route(fmt: str, path: str, summary: str, inline: bool = False) -> None:
    def endpoint(session: SessionDep, settings: SettingsDep, version: VersionQuery = None) -> Any:
        export = catalog.export(session=session, settings=settings, fmt=fmt, version=version)
        return _file(export, inline=inline)

    endpoint.__name__ = f"export_{fmt}"
    media = catalog.RENDERERS[fmt].media_type.split(";")[0]
    ok: dict[int | str, Any] = {
        200: {"content": {media: EXPORT_EXAMPLES[fmt]}, "description": summary}
    }
    router.add_api_route(
        path,
        endpoint,
        methods=["GET"],
        summary=summary,
        response_class=Response,
        responses=docs.merged(ok, docs.problems(PREFIX + path, not_found=NOT_PUBLISHED)),
    )


_export_route("ttl", "/dcat.ttl", "DCAT-AP 3.0 as Turtle", inline=True)
_export_route("jsonld", "/dcat.jsonld", "DCAT-AP 3.0 as JSON-LD", inline=True)
_export_route("xlsx", "/export.xlsx", "Excel workbook: one row per info item, Chinese headers")
_export_route("csv", "/export.csv", "CSV (UTF-8 with BOM) in the workbook layout")
_export_route("json", "/export.json", "Every entry as JSON")
