"""The application factory: wires settings, database, middleware and routes together."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from .api import health
from .api.router import api_router
from .config import Settings, get_settings
from .db import create_db_engine, create_session_factory, ping
from .errors import register_exception_handlers
from .logs import configure_logging
from .middleware import REQUEST_ID_HEADER, RequestContextMiddleware
from .schemas import ErrorResponse

API_TITLE = "{{ cookiecutter.project_name }}"
API_VERSION = "{{ cookiecutter.version }}"
API_DESCRIPTION = "{{ cookiecutter.description }}"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    engine = create_db_engine(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

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
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.readiness_checks = {"database": partial(run_in_threadpool, ping, engine)}

    register_exception_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-API-Key", REQUEST_ID_HEADER],
        expose_headers=["Location", "Retry-After", REQUEST_ID_HEADER],
    )
    # Added last so it is the outermost: every response, CORS ones included, gets an id.
    app.add_middleware(RequestContextMiddleware)

    app.include_router(health.router)
    app.include_router(api_router)
    return app
