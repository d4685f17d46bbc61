"""The application factory: one app per settings object, so each test gets its own database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hub import __version__
from hub.api import problems
from hub.api.responses import OrjsonResponse
from hub.api.routes import (
    auth,
    datasets,
    health,
    identifiers,
    indicators,
    reference,
    shares,
    stats,
)
from hub.api.routes import catalog as catalog_routes
from hub.api.routes import ckan as ckan_routes
from hub.api.routes import ogc as ogc_routes
from hub.api.routes import pages as page_routes
from hub.settings import Settings, get_settings
from hub.storage.engine import make_engine

DESCRIPTION = """
eduhub is the Jiangsu education data exchange: city bureaus pull shared datasets, developers
query the resource catalog, the public reads open data. Errors are `application/problem+json`
(RFC 9457) with a stable `type`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="eduhub",
        version=__version__,
        description=DESCRIPTION,
        default_response_class=OrjsonResponse,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    problems.install(app)
    app.include_router(health.router)
    app.include_router(reference.router)
    app.include_router(identifiers.router)
    app.include_router(auth.router)
    app.include_router(datasets.router)
    app.include_router(shares.router)
    app.include_router(stats.router)
    app.include_router(indicators.router)
    app.include_router(catalog_routes.router)
    app.include_router(ckan_routes.router)
    app.include_router(ogc_routes.router)
    app.include_router(page_routes.router)
    return app
