"""Counts kept in Redis, shared by every worker and replica; fail open when it is down."""

import logging
import time
from collections.abc import Mapping

from limits import RateLimitItem
from limits.aio.storage import RedisStorage
from limits.util import WindowStats
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

from ..feature import Identify
from ..readiness import ReadinessCheck
from .limiter import RateLimiter, configured_limits
from .settings import RateLimitSettings

# One logger for the whole rate_limit package, whichever module writes to it.
logger = logging.getLogger(__package__)

# Every key this API writes to Redis starts with this.
KEY_PREFIX = "{{ cookiecutter.package_name }}:rate-limit"
# A check is one small script on the server: a Redis slower than this is treated as down,
# so a stalled Redis delays a request by this much at most.
REDIS_TIMEOUT_SECONDS = 0.5
# Once Redis has failed, requests go through uncounted without asking it for this long,
# then one request asks again: a Redis that answers nothing delays one request in this
# time, not every request.
REDIS_RETRY_SECONDS = 1.0


class RedisRateLimiter(RateLimiter):
    """Lets requests through uncounted while Redis is unreachable, asking it again once
    every ``REDIS_RETRY_SECONDS``, and logs the outage once."""

    def __init__(
        self,
        storage: RedisStorage,
        limits: Mapping[str, RateLimitItem],
        *,
        identify: Identify | None = None,
        pool: ConnectionPool,
    ) -> None:
        super().__init__(storage, limits, identify=identify)
        self.pool = pool
        # Remembered so that an outage is logged once, not on every request.
        self.storage_down = False
        # While Redis is down: when (time.monotonic()) the next request may ask it again.
        self.retry_at = 0.0

    async def count(
        self, limit: RateLimitItem, scope: str, key: str
    ) -> tuple[bool, WindowStats] | None:
        if self.storage_down:
            now = time.monotonic()
            if now < self.retry_at:
                return None
            # This request asks Redis; those that arrive while it waits go on uncounted.
            self.retry_at = now + REDIS_RETRY_SECONDS
        try:
            counted = await super().count(limit, scope, key)
        except RedisError as error:
            self.storage_failed(error)
            return None
        self.storage_answered()
        return counted

    def storage_failed(self, error: RedisError) -> None:
        self.retry_at = time.monotonic() + REDIS_RETRY_SECONDS
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

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        # Not required: the limiter fails open, so the API serves while Redis is down.
        return {"redis": ReadinessCheck(probe=self.ping, required=False)}

    async def ping(self) -> None:
        """Readiness check: raises when Redis does not answer."""
        if not await self.storage.check():
            raise ConnectionError("Redis did not answer PING")

    async def close(self) -> None:
        await self.pool.aclose()


def create_rate_limiter(
    settings: RateLimitSettings, *, identify: Identify | None = None
) -> RedisRateLimiter:
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
    return RedisRateLimiter(storage, configured_limits(settings), identify=identify, pool=pool)
