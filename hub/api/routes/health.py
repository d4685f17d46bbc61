"""Liveness and readiness probes for load balancers and ``make demo``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from hub.api.deps import EngineDep
from hub.services.system import readiness

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    database: str
    revision: str | None
    head: str | None


@router.get("/healthz", summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="The database is reachable",
    responses={503: {"description": "Database unreachable (problem+json)"}},
)
def readyz(engine: EngineDep) -> Ready:
    info = readiness(engine=engine)
    return Ready(
        status="ok", database=str(info["database"]), revision=info["revision"], head=info["head"]
    )
