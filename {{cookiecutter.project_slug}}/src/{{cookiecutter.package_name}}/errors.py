"""Exception handlers that turn known failures into precise JSON errors."""

import logging
from time import monotonic
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.routing import compile_path

from .db import DatabaseBusyError
from .repository import TaskNotFoundError
from .schemas import ErrorResponse

logger = logging.getLogger(__name__)

# FastAPI answers 400 when a body cannot even be decoded (not UTF-8), and 422 when it is
# not valid JSON or not valid input: routes that take a body document both.
BAD_BODY: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {"model": ErrorResponse, "description": "Undecodable body."}
}

# Seconds a client should wait before retrying when the database is unavailable or busy.
DATABASE_RETRY_AFTER = 5
# Seconds between two warnings about the same kind of database trouble: an outage under
# load would otherwise write one warning per request.
WARNING_INTERVAL_SECONDS = 10


def service_unavailable(detail: str) -> JSONResponse:
    return JSONResponse(
        {"detail": detail},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


class ThrottledWarning:
    """Log a warning at most once per interval, counting the ones held back."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.next_at = 0.0
        self.held_back = 0

    def __call__(self, request: Request, exc: Exception) -> None:
        now = monotonic()
        if now < self.next_at:
            self.held_back += 1
            return
        logger.warning(
            "%s during %s %s: %r (%d more since the last warning)",
            self.message,
            request.method,
            request.url.path,
            exc,
            self.held_back,
        )
        self.next_at = now + WARNING_INTERVAL_SECONDS
        self.held_back = 0


warn_unavailable = ThrottledWarning("Database unavailable")
warn_busy = ThrottledWarning("No database connection free in time")


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database cannot be reached, or dropped the connection mid-request."""
    warn_unavailable(request, exc)
    return service_unavailable("Service temporarily unavailable")


async def database_busy(request: Request, exc: Exception) -> JSONResponse:
    """Every connection stayed in use for DATABASE_POOL_TIMEOUT seconds: overload."""
    warn_busy(request, exc)
    return service_unavailable("Service overloaded, retry later")


async def database_error(request: Request, exc: Exception) -> JSONResponse:
    """A driver error: a lost connection is a 503; anything else is a bug, a 500."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return await database_unavailable(request, exc)
    raise exc


async def task_not_found(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)


async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """List in ``Allow`` every method the path supports, not only one route's.

    Starlette stops at the first route whose path matches, so with ``GET /tasks`` and
    ``POST /tasks`` being two routes, it would answer ``Allow: POST`` alone. The OpenAPI
    schema (built once, then cached by FastAPI) knows every operation of every path.
    """
    headers = getattr(exc, "headers", None) or {}
    for template, operations in request.app.openapi()["paths"].items():
        pattern, _, _ = compile_path(template)
        if pattern.match(request.url.path):
            headers = {"Allow": ", ".join(sorted(method.upper() for method in operations))}
            break
    return JSONResponse(
        {"detail": "Method Not Allowed"},
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        headers=headers,
    )


def register_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TaskNotFoundError, task_not_found)
    # Connection failures and lock time-outs: the request was fine, the service is not.
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(ConnectionError, database_unavailable)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(PoolTimeoutError, database_busy)
    app.add_exception_handler(DatabaseBusyError, database_busy)
    app.add_exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED, method_not_allowed)
