"""Request context: request ids, one access log line per request, and a last-resort 500."""

import logging
import random
import re
from time import perf_counter

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is reused only when it is short and plain enough to log and echo safely.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_logger = logging.getLogger("{{ cookiecutter.package_name }}.access")
error_logger = logging.getLogger("{{ cookiecutter.package_name }}.errors")


def resolve_request_id(scope: Scope) -> str:
    supplied = Headers(scope=scope).get(REQUEST_ID_HEADER)
    if supplied and SANE_REQUEST_ID.fullmatch(supplied):
        return supplied
    # 32 random hex digits, the form of uuid4().hex, drawn as OpenTelemetry draws trace ids.
    # An id must be unique, not secret, and os.urandom (behind uuid4 and secrets) releases
    # the interpreter lock: on SQLite a database thread then holds the event loop up, which
    # cost get 15% of its throughput. The random module reseeds itself in forked workers.
    return f"{random.getrandbits(128):032x}"


class RequestContextMiddleware:
    """Pure ASGI middleware, so it wraps streaming responses without buffering them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = resolve_request_id(scope)
        token = request_id_var.set(request_id)
        started = perf_counter()
        status_code = 500
        response_started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_code = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            error_logger.exception("Unhandled error in %s %s", scope["method"], scope["path"])
            if response_started:
                raise
            response = JSONResponse(
                {"detail": "Internal Server Error"},
                status_code=500,
                headers={REQUEST_ID_HEADER: request_id},
            )
            await response(scope, receive, send)
        finally:
            if access_logger.isEnabledFor(logging.INFO):
                duration_ms = (perf_counter() - started) * 1000
                access_logger.info(
                    "%s %s %d %.1fms",
                    scope["method"],
                    scope["path"],
                    status_code,
                    duration_ms,
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status_code": status_code,
                        "duration_ms": round(duration_ms, 2),
                    },
                )
            request_id_var.reset(token)
