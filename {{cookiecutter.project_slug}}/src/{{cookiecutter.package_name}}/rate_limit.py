"""Rate limits on the versioned API, counted by the ``limits`` library.

Every client has its own budget: the authenticated principal when the request carries a
valid credential, otherwise the client address (read from X-Forwarded-For only when the
request came through a proxy listed in TRUSTED_PROXIES).

{% if cookiecutter.rate_limiting == "redis" -%}
The counts live in Redis, so every worker and replica shares one budget per client. When
Redis cannot be reached, requests are let through unlimited (fail open): an outage of the
limiter must not become an outage of the API. It is logged once, and so is the recovery.
{%- else -%}
The counts live in this process's memory: every worker and replica counts on its own, so
with N processes a client may make up to N times the limit.
{%- endif %}
"""

import logging
import math
import time
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Request, params, status
from limits import RateLimitItem, parse
from limits.aio.storage import {% if cookiecutter.rate_limiting == "redis" %}RedisStorage{% else %}MemoryStorage{% endif %}, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from pydantic import AfterValidator
from pydantic_settings import BaseSettings
{%- if cookiecutter.rate_limiting == "redis" %}
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError
{%- endif %}
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ErrorResponse
from .feature import Feature, Identify, RouteGuards, Shutdown

logger = logging.getLogger(__name__)

LIMIT_HEADER = "X-RateLimit-Limit"
REMAINING_HEADER = "X-RateLimit-Remaining"
RESET_HEADER = "X-RateLimit-Reset"
RATE_LIMIT_HEADERS = (LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER)
{%- if cookiecutter.rate_limiting == "redis" %}
# Every key this API writes to Redis starts with this.
KEY_PREFIX = "{{ cookiecutter.package_name }}:rate-limit"
# A check is one small script on the server: a Redis slower than this is treated as down,
# so a stalled Redis delays a request by this much at most.
REDIS_TIMEOUT_SECONDS = 0.5
{%- endif %}


def parse_limit(value: str) -> RateLimitItem:
    """A limit such as ``100/minute``; refuses other text, and a limit that refuses all."""
    try:
        limit = parse(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a rate limit such as 100/minute") from None
    if limit.amount < 1:
        raise ValueError(f"{value!r} would refuse every request")
    return limit


def check_rate_limit(value: str) -> str:
    parse_limit(value)
    return value
{%- if cookiecutter.rate_limiting == "redis" %}


def check_redis_url(url: str) -> str:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("expected a redis://host:port/db URL")
    return url
{%- endif %}


class RateLimitSettings(BaseSettings):
    rate_limit_default: Annotated[str, AfterValidator(check_rate_limit)] = "100/minute"
{%- if cookiecutter.auth == "jwt" %}
    rate_limit_auth: Annotated[str, AfterValidator(check_rate_limit)] = "5/minute"
{%- endif %}
{%- if cookiecutter.rate_limiting == "redis" %}
    redis_url: Annotated[str, AfterValidator(check_redis_url)] = "redis://localhost:6379/0"
{%- endif %}


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
{%- if cookiecutter.rate_limiting == "redis" %}
        pool: ConnectionPool,
{%- endif %}
    ) -> None:
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self.limits = limits
        self.identify = identify
{%- if cookiecutter.rate_limiting == "redis" %}
        self.pool = pool
        # Remembered so that an outage is logged once, not on every request.
        self.storage_down = False
{%- endif %}

    def client_key(self, request: Request) -> str:
        principal = self.identify(request) if self.identify else None
        if principal is not None:
            return principal
        # Behind a trusted proxy, ProxyHeadersMiddleware has already put the real client here.
        return f"address:{request.client.host if request.client else 'unknown'}"

    async def enforce(self, request: Request, scope: str) -> None:
        """Count the request against the ``scope`` limit; over the limit, answer 429.

        The window's figures go into ``request.state``, from where ``RateLimitHeaders`` puts
        them on the response, whatever its status.
        """
        limit = self.limits[scope]
        key = self.client_key(request)
{%- if cookiecutter.rate_limiting == "redis" %}
        try:
            allowed = await self.strategy.hit(limit, scope, key)
            window = await self.strategy.get_window_stats(limit, scope, key)
        except RedisError as error:
            self.storage_failed(error)
            return
        self.storage_answered()
{%- else %}
        allowed = await self.strategy.hit(limit, scope, key)
        window = await self.strategy.get_window_stats(limit, scope, key)
{%- endif %}
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
{%- if cookiecutter.rate_limiting == "redis" %}

    def storage_failed(self, error: RedisError) -> None:
        if not self.storage_down:
            self.storage_down = True
            logger.warning(
                "Rate limiting is off: Redis is unreachable (%s). Requests are let through "
                "until it answers again.",
                error,
            )

    def storage_answered(self) -> None:
        if self.storage_down:
            self.storage_down = False
            logger.info("Redis answers again: rate limiting is back on.")

    async def ping(self) -> None:
        """Readiness check: raises when Redis does not answer."""
        if not await self.storage.check():
            raise ConnectionError("Redis did not answer PING")

    async def close(self) -> None:
        await self.pool.aclose()
{%- endif %}


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


def create_rate_limiter(
    settings: RateLimitSettings, *, identify: Identify | None = None
) -> RateLimiter:
    limits = {
        "api": parse_limit(settings.rate_limit_default),
{%- if cookiecutter.auth == "jwt" %}
        "auth": parse_limit(settings.rate_limit_auth),
{%- endif %}
    }
{%- if cookiecutter.rate_limiting == "redis" %}
    # A pool of our own: it carries the time-outs, and closing it at shutdown closes every
    # connection. The storage URI then only selects the redis-py client.
    pool = ConnectionPool.from_url(
        settings.redis_url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    storage = RedisStorage(
        "async+redis://",
        implementation="redispy",
        key_prefix=KEY_PREFIX,
        # limits hands its options to redis-py untouched but annotates them as scalars.
        connection_pool=pool,  # type: ignore[arg-type]
    )
    return RateLimiter(storage, limits, identify=identify, pool=pool)
{%- else %}
    return RateLimiter(MemoryStorage(), limits, identify=identify)
{%- endif %}


def rate_limit(scope: str) -> params.Depends:
    """A route dependency that counts requests against the ``scope`` limit."""

    async def enforce_rate_limit(request: Request) -> None:
        limiter: RateLimiter = request.app.state.rate_limiter
        await limiter.enforce(request, scope)

    return params.Depends(enforce_rate_limit)


def install_rate_limiter(
    app: FastAPI, settings: RateLimitSettings, identify: Identify | None
) -> Shutdown | None:
    rate_limiter = create_rate_limiter(settings, identify=identify)
    app.state.rate_limiter = rate_limiter
{%- if cookiecutter.rate_limiting == "redis" %}
    app.state.readiness_checks["redis"] = rate_limiter.ping
    return rate_limiter.close
{%- else %}
    return None
{%- endif %}


# Registered first, so that a request is counted before its credentials are checked:
# floods of wrong credentials are throttled too. Health probes are never limited.
RATE_LIMITING = Feature(
    guards=RouteGuards(dependencies=(rate_limit("api"),), responses=RATE_LIMITED),
{%- if cookiecutter.auth == "jwt" %}
    # Registration and log-in: where passwords are guessed, so the budget is smaller.
    sign_in_guards=RouteGuards(dependencies=(rate_limit("auth"),), responses=RATE_LIMITED),
{%- endif %}
    install=install_rate_limiter,
    # Outside the request context, so even its last-resort 500 carries the headers.
    middleware=(RateLimitHeaders,),
    exposed_headers=RATE_LIMIT_HEADERS,
)
