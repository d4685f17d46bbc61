"""CKAN-compatible action API (read side), at ``/api/3/action/`` and CKAN's alias ``/api/action/``.

Responses use CKAN's envelope ``{"help", "success", "result"}`` and errors CKAN's shape
``{"help", "success": false, "error": {"__type", "message"}}``, so ckanapi, ckanext-harvest
and other CKAN clients work unchanged. Actions accept GET query parameters or a POST JSON body
(ckanapi posts), as CKAN does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from hub.api.deps import SessionDep, SettingsDep
from hub.errors import EduhubError, Invalid, NotFound
from hub.services import ckan
from hub.services.ckan_fq import FilterQueryError

actions = APIRouter(tags=["ckan"])
router = APIRouter()

# (HTTP status, CKAN __type, message prefix), most specific class first, as CKAN's action view
# answers NotFound, and a query Solr refuses (SearchError: 409 "Search Error").
ERROR_TYPES: list[tuple[type[EduhubError], int, str]] = [
    (NotFound, 404, "Not Found Error"),
    (FilterQueryError, 409, "Search Error"),
    (Invalid, 409, "Validation Error"),
]
SEARCH_EXAMPLE = {
    "help": "https://eduhub.jyt.jiangsu.gov.cn/api/3/action/help_show?name=package_search",
    "success": True,
    "result": {
        "count": 1,
        "sort": "score desc, metadata_modified desc",
        "results": [{"name": "students", "title": "中小学学生学籍信息", "num_resources": 1}],
        "facets": {},
        "search_facets": {},
    },
}
NOT_FOUND_EXAMPLE = {
    "help": "https://eduhub.jyt.jiangsu.gov.cn/api/3/action/help_show?name=package_show",
    "success": False,
    "error": {"__type": "Not Found Error", "message": "Not found: Dataset not found: nosuch"},
}


async def body_params(request: Request) -> dict[str, Any]:
    """Parameters of a POSTed JSON body (ckanapi's default); empty for GET."""
    if request.method != "POST":
        return {}
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = await request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


BodyDep = Annotated[dict[str, Any], Depends(body_params)]


def _help(settings: Any, action: str) -> str:
    return f"{settings.catalog_base_uri}/api/3/action/help_show?name={action}"


def _run(settings: Any, action: str, call: Callable[[], Any]) -> JSONResponse:
    try:
        result = call()
    except (NotFound, Invalid) as exc:
        status, type_ = next((s, t) for cls, s, t in ERROR_TYPES if isinstance(exc, cls))
        body = {
            "help": _help(settings, action),
            "success": False,
            "error": {"__type": type_, "message": _message(type_, exc.detail)},
        }
        return JSONResponse(body, status_code=status)
    return JSONResponse({"help": _help(settings, action), "success": True, "result": result})


def _message(type_: str, detail: str) -> str:
    """CKAN's wording: ``Not found: …``, ``Search error: ('…',)`` (the repr of the exception's
    args, which ckanapi strips again), plain text for validation errors."""
    if type_ == "Not Found Error":
        return f"Not found: {detail}"
    if type_ == "Search Error":
        return f"Search error: {(detail,)!r}"
    return detail


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{name} must be an integer") from exc


def _bool(value: Any) -> bool:
    return str(value).lower() in ("true", "1", "yes")


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"content": {"application/json": {"example": NOT_FOUND_EXAMPLE}}}
}


@actions.post("/status_show", include_in_schema=False)
@actions.get("/status_show", summary="Site and CKAN version")
def status_show(settings: SettingsDep) -> JSONResponse:
    return _run(settings, "status_show", lambda: ckan.status(settings=settings))


@actions.post("/package_list", include_in_schema=False)
@actions.get("/package_list", summary="Names of every dataset")
def package_list(
    session: SessionDep,
    settings: SettingsDep,
    body: BodyDep,
    limit: int | None = None,
    offset: int = 0,
) -> JSONResponse:
    args = {"limit": limit, "offset": offset, **body}

    def call() -> Any:
        lim = None if args["limit"] is None else _int(args["limit"], "limit")
        return ckan.package_list(session=session, limit=lim, offset=_int(args["offset"], "offset"))

    return _run(settings, "package_list", call)


@actions.post("/package_show", include_in_schema=False)
@actions.get("/package_show", summary="One dataset (name, id or code)", responses=ERRORS)
def package_show(
    session: SessionDep,
    settings: SettingsDep,
    body: BodyDep,
    id: Annotated[str | None, Query(examples=["students"])] = None,
) -> JSONResponse:
    key = body.get("id", id)

    def call() -> Any:
        if not key:
            raise Invalid("id: Missing value")
        return ckan.package_show(session=session, settings=settings, id=str(key))

    return _run(settings, "package_show", call)


@actions.post("/package_search", include_in_schema=False)
@actions.get(
    "/package_search",
    summary="Search datasets (q, fq, rows, start, sort)",
    responses={200: {"content": {"application/json": {"example": SEARCH_EXAMPLE}}}},
)
def package_search(
    session: SessionDep,
    settings: SettingsDep,
    body: BodyDep,
    q: Annotated[str | None, Query(examples=["学籍"])] = None,
    fq: Annotated[
        str | None,
        Query(
            description="Solr-style filters: organization, res_format, name, tags, "
            "sharing_type, open, update_cycle, classification",
            examples=['organization:320000-jyt sharing_type:"无条件共享"'],
        ),
    ] = None,
    rows: int = 10,
    start: int = 0,
    sort: Annotated[str | None, Query(examples=["title asc"])] = None,
) -> JSONResponse:
    args = {"q": q, "fq": fq, "rows": rows, "start": start, "sort": sort, **body}

    def call() -> Any:
        return ckan.package_search(
            session=session,
            settings=settings,
            q=args["q"],
            fq=args["fq"],
            rows=_int(args["rows"], "rows"),
            start=_int(args["start"], "start"),
            sort=args["sort"],
        )

    return _run(settings, "package_search", call)


@actions.post("/organization_list", include_in_schema=False)
@actions.get("/organization_list", summary="Providers (提供方)")
def organization_list(
    session: SessionDep, settings: SettingsDep, body: BodyDep, all_fields: bool = False
) -> JSONResponse:
    full = _bool(body.get("all_fields", all_fields))
    return _run(
        settings,
        "organization_list",
        lambda: ckan.organization_list(session=session, settings=settings, all_fields=full),
    )


@actions.post("/organization_show", include_in_schema=False)
@actions.get("/organization_show", summary="One provider", responses=ERRORS)
def organization_show(
    session: SessionDep,
    settings: SettingsDep,
    body: BodyDep,
    id: Annotated[str | None, Query(examples=["320000-jyt"])] = None,
    include_datasets: bool = False,
) -> JSONResponse:
    key = body.get("id", id)
    with_datasets = _bool(body.get("include_datasets", include_datasets))

    def call() -> Any:
        if not key:
            raise Invalid("id: Missing value")
        return ckan.organization_show(
            session=session, settings=settings, id=str(key), include_datasets=with_datasets
        )

    return _run(settings, "organization_show", call)


router.include_router(actions, prefix="/api/3/action")
router.include_router(actions, prefix="/api/action", include_in_schema=False)
