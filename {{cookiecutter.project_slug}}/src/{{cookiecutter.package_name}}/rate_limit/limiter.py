"""The limiter: counts each client's requests in a moving window, refuses those over the limit."""

import math
import time
from collections.abc import Mapping

from fastapi import HTTPException, Request, status
from limits import RateLimitItem
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.util import WindowStats

from ..feature import Identify
from ..readiness import ReadinessCheck
from .headers import LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER
from .settings import RateLimitSettings, parse_limit


class RateLimiter:
    """Counts each client's requests in a moving window and refuses those over the limit.

    The moving window remembers when each counted request was made, so no period of the
    limit's length ever holds more than the limit (a fixed window lets a client send twice
    the limit across a window boundary).
    """

    def __init__(
        self,
        storage: Storage,
        limits: Mapping[str, RateLimitItem],
        *,
        identify: Identify | None = None,
    ) -> None:
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self.limits = limits
        self.identify = identify

    def client_key(self, request: Request) -> str:
        principal = self.identify(request) if self.identify else None
        if principal is not None:
            return principal
        # Behind a trusted proxy, ProxyHeadersMiddleware has already put the real client here.
        return f"address:{request.client.host if request.client else 'unknown'}"

    async def count(
        self, limit: RateLimitItem, scope: str, key: str
    ) -> tuple[bool, WindowStats] | None:
        """Count a request: whether it is allowed, and the window after it (None: not counted)."""
        allowed = await self.strategy.hit(limit, scope, key)
        window = await self.strategy.get_window_stats(limit, scope, key)
        return allowed, window

    async def enforce(self, request: Request, scope: str) -> None:
        """Count the request against the ``scope`` limit; over the limit, answer 429.

        The window's figures go into ``request.state``, from where ``RateLimitHeaders`` puts
        them on the response, whatever its status.
        """
        limit = self.limits[scope]
        counted = await self.count(limit, scope, self.client_key(request))
        if counted is None:
            return
        allowed, window = counted
        # Seconds until the oldest request in the window expires: a delta, not a timestamp.
        reset_after = max(1, math.ceil(window.reset_time - time.time()))
        request.state.rate_limit_headers = {
            LIMIT_HEADER: str(limit.amount),
            REMAINING_HEADER: str(window.remaining),
            RESET_HEADER: str(reset_after),
        }
        if not allowed:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail=f"Rate limit exceeded: {limit}",
                headers={"Retry-After": str(reset_after)},
            )

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        """What the readiness probe checks for this limiter, by name: here, nothing."""
        return {}

    async def close(self) -> None:
        """Release what the limiter holds: here, nothing."""


def configured_limits(settings: RateLimitSettings) -> dict[str, RateLimitItem]:
    """Each scope's limit: ``api`` for the versioned API{% if cookiecutter.auth == "jwt" %}, ``auth`` for registration and log-in{% endif %}."""
    return {
        "api": parse_limit(settings.rate_limit_default),
{%- if cookiecutter.auth == "jwt" %}
        "auth": parse_limit(settings.rate_limit_auth),
{%- endif %}
    }
