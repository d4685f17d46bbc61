"""Pull API: records (keyset pages), the change feed and streamed exports of catalog datasets.

Resource codes contain a slash (``30700102/001``), so the code is a path parameter; the
resource id (``students``) works too.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from hub.api.deps import EngineDep, SessionDep, SettingsDep
from hub.api.security import CallerDep, ClientDep, RequestIdDep, rate_limit_open
from hub.services.exchange import access, exports, pull, uploads

router = APIRouter(prefix="/api/v1/datasets", tags=["exchange"])


@router.get("", summary="Datasets and the basis on which the caller may read each")
def list_datasets(
    session: SessionDep, settings: SettingsDep, caller: CallerDep
) -> list[access.Listing]:
    return access.listing(session=session, settings=settings, caller=caller)


def _params(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


@router.get("/{code:path}/records", summary="One page of records (keyset pagination)")
def records(
    code: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    engine: EngineDep,
    caller: CallerDep,
    request_id: RequestIdDep,
) -> Response:
    plan = access.authorise(session=session, settings=settings, caller=caller, key=code)
    rate_limit_open(request, caller)
    params = _params(request)
    tag = pull.etag(engine, plan, "records", params)
    headers = {"ETag": tag, "X-Request-ID": request_id, "Cache-Control": "private"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    page = pull.records(engine=engine, plan=plan, params=params, request_id=request_id, tag=tag)
    return Response(page.body, media_type="application/json", headers=headers)


@router.get(
    "/{code:path}/changes",
    summary="Upserts and deletions after a change version",
    responses={
        410: {
            "description": "cursor-expired: the caller's grant changed since its last page, or "
            "the records of rows that left its regions after `since` were pruned; delete the "
            "copy and start again from since=0",
            "content": {"application/problem+json": {}},
        }
    },
)
def changes(
    code: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    engine: EngineDep,
    caller: CallerDep,
    request_id: RequestIdDep,
    since: int = Query(0, ge=0),
    limit: int = Query(1000, ge=1, le=pull.MAX_CHANGES),
) -> Response:
    plan = access.authorise(session=session, settings=settings, caller=caller, key=code)
    rate_limit_open(request, caller)
    page = pull.changes(engine=engine, plan=plan, since=since, limit=limit, request_id=request_id)
    return Response(page.body, media_type="application/json", headers={"X-Request-ID": request_id})


@router.get("/{code:path}/export.{fmt}", summary="The whole (restricted) dataset as a file")
def export(
    code: str,
    fmt: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    engine: EngineDep,
    caller: CallerDep,
    request_id: RequestIdDep,
) -> Response:
    plan = access.authorise(session=session, settings=settings, caller=caller, key=code)
    rate_limit_open(request, caller)
    params = [(k, v) for k, v in _params(request) if k not in ("cursor", "limit")]
    tag = pull.etag(engine, plan, "export." + fmt, params)
    headers = {"ETag": tag, "X-Request-ID": request_id}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    stream = pull.export(engine=engine, plan=plan, fmt=fmt, params=params, request_id=request_id)
    filename = f"{plan.dataset.id}.{fmt}"
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return StreamingResponse(stream, media_type=exports.FORMATS[fmt], headers=headers)


@router.post("/{code:path}/uploads", summary="Upload rows (CSV, JSON or XLSX body)")
async def upload(
    code: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    engine: EngineDep,
    caller: ClientDep,
    request_id: RequestIdDep,
) -> uploads.UploadReport:
    """Validated like connector input; the answer lists accepted rows and rejected rows."""
    body = await request.body()
    return await run_in_threadpool(
        uploads.upload,
        engine=engine,
        settings=settings,
        session=session,
        caller=caller,
        key=code,
        content=body,
        content_type=request.headers.get("content-type", ""),
        request_id=request_id,
    )
