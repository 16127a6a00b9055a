"""The rate-limit settings, and the one parser of limits such as ``100/minute``."""

from typing import Annotated

from limits import RateLimitItem, parse
from pydantic import AfterValidator
from pydantic_settings import BaseSettings


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
