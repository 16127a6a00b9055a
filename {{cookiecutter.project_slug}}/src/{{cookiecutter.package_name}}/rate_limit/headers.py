"""The ``X-RateLimit-*`` headers: their names, and the middleware that sets them."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LIMIT_HEADER = "X-RateLimit-Limit"
REMAINING_HEADER = "X-RateLimit-Remaining"
RESET_HEADER = "X-RateLimit-Reset"
RATE_LIMIT_HEADERS = (LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER)


class RateLimitHeaders:
    """Pure ASGI middleware: the ``X-RateLimit-*`` headers on every response of a counted request.

    A route dependency can only set headers on its route's own response: the 401 of a bad
    token, the 404 of an unknown task or the 422 of an invalid body, raised after the
    request was counted, would go out without them.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # request.state lives in this dict. Made here, so that the request handlers, which
        # see copies of the scope, share it.
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and "rate_limit_headers" in state:
                MutableHeaders(scope=message).update(state["rate_limit_headers"])
            await send(message)

        await self.app(scope, receive, send_with_headers)
