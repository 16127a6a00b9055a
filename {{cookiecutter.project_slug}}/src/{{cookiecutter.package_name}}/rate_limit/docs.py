"""The 429 response as OpenAPI documents it on every rate-limited route."""

from typing import Any

from fastapi import status

from ..errors import ErrorResponse
from .headers import LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER


def _integer_header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "integer"}}


RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    status.HTTP_429_TOO_MANY_REQUESTS: {
        "model": ErrorResponse,
        "description": "Too many requests from this client; retry after Retry-After seconds.",
        "headers": {
            "Retry-After": _integer_header("Seconds to wait before the next request."),
            LIMIT_HEADER: _integer_header("Requests allowed per period."),
            REMAINING_HEADER: _integer_header("Requests left in the current window."),
            RESET_HEADER: _integer_header("Seconds until the window frees a request."),
        },
    }
}
