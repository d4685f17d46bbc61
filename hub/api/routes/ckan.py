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

from hub.api.deps import SessionDep, SettingsDep
from hub.api.responses import OrjsonResponse
from hub.api.routes import catalog_docs as docs
from hub.api.routes.catalog import examples
from hub.errors import EduhubError, Invalid, NotFound
from hub.services import ckan
from hub.services.ckan_fq import FilterQueryError
from hub.services.ckan_models import Failure, Organization, Package, SearchResult, Status, Success

actions = APIRouter(tags=["ckan"])
router = APIRouter()

# (HTTP status, CKAN __type, message prefix), most specific class first, as CKAN's action view
# answers NotFound, and a query Solr refuses (SearchError: 409 "Search Error").
ERROR_TYPES: list[tuple[type[EduhubError], int, str]] = [
    (NotFound, 404, "Not Found Error"),
    (FilterQueryError, 409, "Search Error"),
    (Invalid, 409, "Validation Error"),
]


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


def _run(settings: Any, action: str, call: Callable[[], Any]) -> OrjsonResponse:
    try:
        result = call()
    except (NotFound, Invalid) as exc:
        status, type_ = next((s, t) for cls, s, t in ERROR_TYPES if isinstance(exc, cls))
        body = {
            "help": _help(settings, action),
            "success": False,
            "error": {"__type": type_, "message": _message(type_, exc.detail)},
        }
        return OrjsonResponse(body, status_code=status)
    return OrjsonResponse({"help": _help(settings, action), "success": True, "result": result})


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


ACTION = "/api/3/action"


def answers(
    action: str, example: dict[str, Any], *failures: str, not_found: str = ""
) -> dict[int | str, Any]:
    """Documented answers of a CKAN action: its success example, CKAN's errors, and the 422
    problem+json that parameter validation gives before the action runs."""
    return docs.merged(
        docs.ok(example),
        docs.ckan_failures(action, Failure, *failures, not_found=not_found),
        docs.problems(f"{ACTION}/{action}"),
    )


@actions.post("/status_show", include_in_schema=False)
@actions.get(
    "/status_show",
    summary="Site and CKAN version",
    response_model=Success[Status],
    responses=docs.ok(docs.CKAN_STATUS),
)
def status_show(settings: SettingsDep) -> OrjsonResponse:
    return _run(settings, "status_show", lambda: ckan.status(settings=settings))


@actions.post("/package_list", include_in_schema=False)
@actions.get(
    "/package_list",
    summary="Names of every dataset",
    response_model=Success[list[str]],
    responses=answers("package_list", docs.CKAN_PACKAGE_LIST, "invalid"),
)
def package_list(
    session: SessionDep,
    settings: SettingsDep,
    body: BodyDep,
    limit: Annotated[int | None, Query(openapi_examples=examples(first_three=3))] = None,
    offset: Annotated[int, Query(openapi_examples=examples(skip_three=3))] = 0,
) -> OrjsonResponse:
    args = {"limit": limit, "offset": offset, **body}

    def call() -> Any:
        lim = None if args["limit"] is None else _int(args["limit"], "limit")
        return ckan.package_list(session=session, limit=lim, offset=_int(args["offset"], "offset"))

    return _run(settings, "package_list", call)


@actions.post("/package_show", include_in_schema=False)
@actions.get(
    "/package_show",
    summary="One dataset (name, id or code)",
    response_model=Success[Package],
    responses=answers(
        "package_show",
        docs.CKAN_PACKAGE_SHOW,
        "not_found",
        "invalid",
        not_found="Dataset not found: nosuch",
    ),
)
def package_show(
    session: SessionDep,
    settings: SettingsDep,
    body: BodyDep,
    id: Annotated[
        str | None,
        Query(
            openapi_examples=examples(
                by_name="students",
                by_code="30700102/001",
                by_package_id=docs.PACKAGE["id"],
            )
        ),
    ] = None,
) -> OrjsonResponse:
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
    description="`fq` takes Solr filter syntax on organization, owner_org, res_format, tags, "
    "groups, license_id, name, metadata_modified/created ranges and the catalog_* extras "
    "(see docs/catalog.md); an fq that cannot be read answers CKAN's 409 Search Error.",
    response_model=Success[SearchResult],
    responses=answers("package_search", docs.CKAN_SEARCH, "invalid", "search"),
)
def package_search(
    session: SessionDep,
    settings: SettingsDep,
    body: BodyDep,
    q: Annotated[
        str | None,
        Query(
            description="Text (same search as the native API), or a fielded query such as "
            "tags:学籍",
            openapi_examples=examples(partial_word="学籍", fielded="tags:学籍号"),
        ),
    ] = None,
    fq: Annotated[
        str | None,
        Query(
            description="Solr filter query",
            openapi_examples={
                "organization": {
                    "summary": "one provider's datasets",
                    "value": "organization:320000-jyt",
                },
                "clauses": {
                    "summary": "clauses side by side must all hold",
                    "value": '+organization:320000-jyt +catalog_sharing_type:"无条件共享"',
                },
                "harvester": {
                    "summary": "what ckanext-harvest sends for an incremental harvest",
                    "value": "organization:320000-jyt OR organization:320000-mzt "
                    "metadata_modified:[2026-11-01T00:00:00Z TO *]",
                },
                "tags": {
                    "summary": "exact keyword, negation",
                    "value": "tags:班额 -res_format:XLSX",
                },
            },
        ),
    ] = None,
    rows: Annotated[int, Query(openapi_examples=examples(up_to_100=100))] = 10,
    start: Annotated[int, Query(openapi_examples=examples(second_page=10))] = 0,
    sort: Annotated[
        str | None,
        Query(openapi_examples=examples(by_title="title asc", by_name="name desc")),
    ] = None,
) -> OrjsonResponse:
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
@actions.get(
    "/organization_list",
    summary="Providers (提供方)",
    description="Names (提供方代码 lower-cased), or whole organizations with `all_fields`.",
    response_model=Success[list[str] | list[Organization]],
    responses=answers("organization_list", docs.CKAN_ORGANIZATION_LIST),
)
def organization_list(
    session: SessionDep,
    settings: SettingsDep,
    body: BodyDep,
    all_fields: Annotated[bool, Query(openapi_examples=examples(whole=True))] = False,
) -> OrjsonResponse:
    full = _bool(body.get("all_fields", all_fields))
    return _run(
        settings,
        "organization_list",
        lambda: ckan.organization_list(session=session, settings=settings, all_fields=full),
    )


@actions.post("/organization_show", include_in_schema=False)
@actions.get(
    "/organization_show",
    summary="One provider",
    response_model=Success[Organization],
    responses=answers(
        "organization_show",
        docs.CKAN_ORGANIZATION_SHOW,
        "not_found",
        "invalid",
        not_found="Organization not found: nosuch",
    ),
)
def organization_show(
    session: SessionDep,
    settings: SettingsDep,
    body: BodyDep,
    id: Annotated[
        str | None,
        Query(openapi_examples=examples(by_name="320000-jyt", by_id=docs.ORGANIZATION["id"])),
    ] = None,
    include_datasets: Annotated[bool, Query(openapi_examples=examples(with_datasets=True))] = False,
) -> OrjsonResponse:
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
