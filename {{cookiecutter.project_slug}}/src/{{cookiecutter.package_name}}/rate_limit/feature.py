"""What rate limiting registers: its route guards, its limiter, its headers middleware."""

from fastapi import FastAPI, Request, params

from ..feature import Feature, Identify, RouteGuards, Shutdown
from .docs import RATE_LIMITED
from .headers import RATE_LIMIT_HEADERS, RateLimitHeaders
from .limiter import RateLimiter
from .{{ cookiecutter.rate_limiting }}_limiter import create_rate_limiter
from .settings import RateLimitSettings


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
    app.state.readiness_checks.update(rate_limiter.readiness_checks())
    return rate_limiter.close


# Listed first in features.py, so that its guard counts a request before any other guard
# runs. The health probes are outside the versioned API, and never limited.
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
