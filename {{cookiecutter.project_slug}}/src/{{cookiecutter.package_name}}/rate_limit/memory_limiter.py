"""Counts kept in this process's memory: nothing to connect to, check or close."""

from limits.aio.storage import MemoryStorage

from ..feature import Identify
from .limiter import RateLimiter, configured_limits
from .settings import RateLimitSettings


def create_rate_limiter(
    settings: RateLimitSettings, *, identify: Identify | None = None
) -> RateLimiter:
    return RateLimiter(MemoryStorage(), configured_limits(settings), identify=identify)
