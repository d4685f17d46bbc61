"""Typed domain errors. Services raise them; the API renders them once as RFC 9457 problems."""

from __future__ import annotations

from typing import Any, ClassVar


class EduhubError(Exception):
    """Base of every error a user may see: carries its HTTP status and a stable problem type."""

    status: ClassVar[int] = 500
    type_slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Invalid(EduhubError):
    status = 422
    type_slug = "invalid"
    title = "Invalid input"


class NotFound(EduhubError):
    status = 404
    type_slug = "not-found"
    title = "Not found"


class Forbidden(EduhubError):
    status = 403
    type_slug = "forbidden"
    title = "Forbidden"


class Unauthorized(EduhubError):
    status = 401
    type_slug = "unauthorized"
    title = "Authentication required"


class Conflict(EduhubError):
    status = 409
    type_slug = "conflict"
    title = "Conflict"


class CursorExpired(EduhubError):
    """A change-feed cursor the hub can no longer continue: start again from ``since=0``."""

    status = 410
    type_slug = "cursor-expired"
    title = "Change cursor expired"


class ConfigError(EduhubError):
    status = 500
    type_slug = "configuration"
    title = "Configuration error"


class StorageUnavailable(EduhubError):
    status = 503
    type_slug = "storage-unavailable"
    title = "Database unreachable"
