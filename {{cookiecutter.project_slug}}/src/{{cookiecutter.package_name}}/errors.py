"""Exception handlers that turn known failures into precise JSON errors."""

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.routing import compile_path

from .schemas import ErrorResponse

logger = logging.getLogger(__name__)

# FastAPI answers 400 when a body cannot even be decoded (not UTF-8), and 422 when it is
# not valid JSON or not valid input: routes that take a body document both.
BAD_BODY: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {"model": ErrorResponse, "description": "Undecodable body."}
}

# Seconds a client should wait before retrying when the database is unavailable.
DATABASE_RETRY_AFTER = 5


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("Database unavailable during %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        {"detail": "Service temporarily unavailable"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


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
    # Connection failures and lock time-outs: the request was fine, the service is not.
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED, method_not_allowed)
