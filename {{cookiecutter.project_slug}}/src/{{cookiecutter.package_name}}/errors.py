"""Exception handlers that turn known failures into precise JSON errors."""

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

logger = logging.getLogger(__name__)

# Seconds a client should wait before retrying when the database is unavailable.
DATABASE_RETRY_AFTER = 5


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("Database unavailable during %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        {"detail": "Service temporarily unavailable"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


def register_exception_handlers(app: FastAPI) -> None:
    # Connection failures and lock time-outs: the request was fine, the service is not.
    app.add_exception_handler(OperationalError, database_unavailable)
