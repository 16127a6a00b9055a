"""Exception handlers that turn known failures into precise JSON errors."""

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.routing import compile_path

from .db import DatabaseBusyError, DatabaseUnavailableError
from .repository import TaskNotFoundError
from .throttled_log import ThrottledWarning

logger = logging.getLogger(__name__)


class ErrorResponse(BaseModel):
    """The body of every error the API returns on purpose."""

    detail: str


# FastAPI answers 400 when a body cannot even be decoded (not UTF-8), and 422 when it is
# not valid JSON or not valid input; 413 is a body over MAX_REQUEST_BODY_BYTES (see
# body_size.py). Routes that take a body document all three.
BAD_BODY: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {"model": ErrorResponse, "description": "Undecodable body."},
    status.HTTP_413_CONTENT_TOO_LARGE: {
        "model": ErrorResponse,
        "description": "Body larger than MAX_REQUEST_BODY_BYTES.",
    },
}

# Seconds a client should wait before retrying a 503, whatever made the service
# unavailable or overloaded.
RETRY_AFTER_SECONDS = 5
# The detail of every overload 503, whatever ran out (database connections or threads,
# password-hashing threads): clients see one answer to one condition.
OVERLOADED_DETAIL = "Service overloaded, retry later"


class ServiceUnavailable:
    """Answers 503 with ``Retry-After``, and logs a warning at most once per interval."""

    def __init__(self, *, detail: str, warning: str) -> None:
        self.detail = detail
        self.warning = warning
        self._throttled = ThrottledWarning(logger)

    async def __call__(self, request: Request, exc: Exception) -> JSONResponse:
        self._throttled.warn(
            "%s during %s %s: %s", self.warning, request.method, request.url.path, exc
        )
        return JSONResponse(
            {"detail": self.detail},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 saying where and why each value is wrong, without the values themselves.

    FastAPI's default answer repeats every invalid input: a large body comes back whole,
    and a rejected password is sent back in the clear.
    """
    errors = [
        {key: value for key, value in error.items() if key != "input"} for error in exc.errors()
    ]
    return JSONResponse(
        {"detail": jsonable_encoder(errors)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


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
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(TaskNotFoundError, task_not_found)
    # Outages and overload: the request was fine, the service cannot answer it now.
    app.add_exception_handler(
        DatabaseUnavailableError,
        ServiceUnavailable(
            detail="Service temporarily unavailable", warning="Database unavailable"
        ),
    )
    app.add_exception_handler(
        DatabaseBusyError,
        ServiceUnavailable(
            detail=OVERLOADED_DETAIL,
            warning="No database connection became free in time",
        ),
    )
    app.add_exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED, method_not_allowed)
