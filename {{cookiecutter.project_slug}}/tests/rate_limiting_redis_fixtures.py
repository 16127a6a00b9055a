"""Rate limits counted in Redis: the one ``TEST_REDIS_URL`` names, or a private server.

When ``TEST_REDIS_URL`` is unset, the run starts a ``redis-server`` from PATH. Every test
starts with no rate limit counted.
"""

from collections.abc import Iterator

import pytest
import redis

from {{ cookiecutter.package_name }}.rate_limit.redis_limiter import KEY_PREFIX

from .redis_server import redis_url_for_tests, stop_started_redis_servers


@pytest.fixture(scope="session", autouse=True)
def redis_url() -> Iterator[str]:
    yield redis_url_for_tests()
    stop_started_redis_servers()


@pytest.fixture(autouse=True)
def _no_rate_limits_counted(redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=f"{KEY_PREFIX}:*"))
        if keys:
            client.delete(*keys)
