"""A cap on the size of request bodies, answered with 413 before the body is read.

FastAPI reads a JSON body whole before validating it, and its 422 used to echo the input
back: without a cap, anyone could make the API hold and return megabytes. FastAPI's own
``max_body_size`` answers a declared oversize body in plain text, outside the API's JSON
errors, so the API applies its own cap instead.
"""

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLargeError(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            status.HTTP_413_CONTENT_TOO_LARGE,
            detail=f"Request body larger than {max_bytes} bytes",
        )


class BodySizeLimit:
    """Pure ASGI middleware that refuses request bodies larger than ``max_bytes``.

    A declared ``Content-Length`` over the limit is answered at once, and the connection
    closed, without reading a byte of it. A body sent in chunks is counted as it is read:
    the read that crosses the limit raises ``BodyTooLargeError``, which FastAPI answers like
    any ``HTTPException``.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            error = BodyTooLargeError(self.max_bytes)
            response = JSONResponse(
                {"detail": error.detail},
                status_code=error.status_code,
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return

        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError(self.max_bytes)
            return message

        await self.app(scope, counted_receive, send)
