"""The application factory: wires settings, database, features, middleware and routes together."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .api import health
from .api.router import api_router
from .body_size import BodySizeLimit
from .config import Settings, get_settings
from .db import Database
from .errors import ErrorResponse, register_exception_handlers
from .feature import install_features
from .features import FEATURES
from .logs import configure_logging
from .middleware import REQUEST_ID_HEADER, RequestContextMiddleware
from .readiness import ReadinessCheck

API_TITLE = "{{ cookiecutter.project_name }}"
API_VERSION = "{{ cookiecutter.version }}"
API_DESCRIPTION = "{{ cookiecutter.description }}"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Made here, inside the server's event loop, which its connections belong to.
        database = Database(settings)
        app.state.database = database
        app.state.readiness_checks["database"] = ReadinessCheck(probe=database.ping)
        try:
            yield
        finally:
            for shutdown in shutdowns:
                await shutdown()
            await database.dispose()

    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs" if settings.show_docs else None,
        redoc_url="/redoc" if settings.show_docs else None,
        openapi_url="/openapi.json" if settings.show_docs else None,
        responses={500: {"model": ErrorResponse, "description": "Unexpected server error."}},
    )
    app.state.settings = settings
    app.state.readiness_checks = {}
    shutdowns = install_features(app, settings, FEATURES)

    register_exception_handlers(app)
    # Each middleware added wraps the ones before it: CORS wraps the size limit, so that a
    # browser can read its 413.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)
    if settings.cors_origins:
        # Only with origins to allow: with none, a browser is refused either way (a preflight
        # gets 405 instead of 400), and the middleware costs every request 3% of a list.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Content-Type",
                REQUEST_ID_HEADER,
                *(header for feature in FEATURES for header in feature.allowed_headers),
            ],
            expose_headers=[
                "Location",
                "Retry-After",
                REQUEST_ID_HEADER,
                *(header for feature in FEATURES for header in feature.exposed_headers),
            ],
        )
    # The request context wraps CORS, so every response, CORS ones included, gets an id.
    app.add_middleware(RequestContextMiddleware)
    for feature in FEATURES:
        for middleware in feature.middleware:
            app.add_middleware(middleware)
    if settings.trusted_proxies:
        # Outside the request context, so logs and rate limits see the real client address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    app.include_router(health.router)
    app.include_router(api_router)
    return app
