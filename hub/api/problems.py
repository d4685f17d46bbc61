"""Every error leaves the API as ``application/problem+json`` (RFC 9457) with a stable ``type``."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.errors import EduhubError

PROBLEM_BASE = "https://eduhub.jyt.jiangsu.gov.cn/problems/"
MEDIA_TYPE = "application/problem+json"

HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "invalid",
    429: "too-many-requests",
}


def problem(
    status: int, slug: str, title: str, detail: str, request: Request, **extra: Any
) -> Response:
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = {"Retry-After": str(extra["retry_after"])} if "retry_after" in extra else None
    return Response(orjson.dumps(body), status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EduhubError)
    return problem(exc.status, exc.type_slug, exc.title, exc.detail, request, **exc.extra)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    slug = HTTP_SLUGS.get(exc.status_code, f"http-{exc.status_code}")
    title = slug.replace("-", " ").capitalize()
    return problem(exc.status_code, slug, title, str(exc.detail), request)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
    return problem(422, "invalid", "Invalid input", detail, request, errors=errors)


async def _unexpected(request: Request, exc: Exception) -> Response:
    return problem(
        500,
        "internal-error",
        "Internal error",
        "an unexpected error occurred; it has been logged",
        request,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(EduhubError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unexpected)
