"""Shared fixtures.

{% if cookiecutter.database == "postgresql" -%}
Tests run on the PostgreSQL database named by ``TEST_DATABASE_URL``; its schema is rebuilt
from the migrations first, so give them a database of their own.
{%- else -%}
Tests run on a throwaway SQLite file, or on the one ``TEST_DATABASE_URL`` names; its schema
is rebuilt from the migrations first.
{%- endif %}
Every test starts with empty tables.
{%- if cookiecutter.rate_limiting == "redis" %}

Rate limits are counted in the Redis named by ``TEST_REDIS_URL``; when it is unset, the run
starts a private ``redis-server`` from PATH. Every test starts with no rate limit counted.
{%- elif cookiecutter.rate_limiting == "memory" %}

Every test starts with no rate limit counted.
{%- endif %}

Building an application and starting its lifespan costs more than most tests, so the
tests share one running application (``client``); tests that need other settings build
their own with ``make_settings`` and ``create_app``.
"""

import os
from collections.abc import Iterator

import pytest
{%- if cookiecutter.rate_limiting == "redis" %}
import redis
{%- endif %}
from alembic import command
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from fastapi.testclient import TestClient
{%- if cookiecutter.auth == "jwt" %}
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
{%- endif %}
from sqlalchemy import Connection, MetaData

{% if cookiecutter.auth == "jwt" -%}
from {{ cookiecutter.package_name }} import security
{% endif -%}
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.db import Database
from {{ cookiecutter.package_name }}.factory import create_app
from {{ cookiecutter.package_name }}.models import Base
{%- if cookiecutter.rate_limiting == "redis" %}
from {{ cookiecutter.package_name }}.rate_limit.redis_limiter import KEY_PREFIX
{%- endif %}

from .helpers import (
{%- if cookiecutter.auth == "jwt" %}
    TEST_PASSWORD,
{%- elif cookiecutter.auth == "api_key" %}
    TEST_API_KEYS,
{%- endif %}
    BlockingDatabase,
    alembic_config,
{%- if cookiecutter.auth == "jwt" %}
    bearer_headers,
    insert_user,
{%- endif %}
    make_settings,
)
{%- if cookiecutter.rate_limiting == "redis" %}
from .redis_server import redis_url_for_tests, stop_started_redis_servers
{%- endif %}


def rebuild_schema(connection: Connection) -> None:
    """Drop whatever an earlier, interrupted run left behind, then migrate to the latest."""
    existing = MetaData()
    existing.reflect(connection)
    existing.drop_all(connection)
    command.upgrade(alembic_config(connection), "head")


def empty_tables(connection: Connection) -> None:
    for table in reversed(Base.metadata.sorted_tables):
        connection.execute(table.delete())


@pytest.fixture(scope="session")
{%- if cookiecutter.database == "postgresql" %}
def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail(
            "The tests need a PostgreSQL database they may empty: set TEST_DATABASE_URL, "
            "e.g. postgresql://app:app@localhost:5432/app_test",
            pytrace=False,
        )
    return url
{%- else %}
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}"
{%- endif %}


@pytest.fixture(scope="session")
def portal() -> Iterator[BlockingPortal]:
    """An event loop in a thread of its own, for the tests' own database work."""
    with start_blocking_portal() as portal:
        yield portal


@pytest.fixture(scope="session")
def database(database_url: str, portal: BlockingPortal) -> Iterator[BlockingDatabase]:
    """The test database, migrated to the latest revision once per run."""
    database = BlockingDatabase(Database(make_settings(database_url)), portal)
    database.run_in_transaction(rebuild_schema)
    yield database
    portal.call(database.database.dispose)


@pytest.fixture(autouse=True)
def _empty_tables(database: BlockingDatabase) -> Iterator[None]:
    yield
    database.run(empty_tables)
{%- if cookiecutter.rate_limiting == "redis" %}


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
{%- endif %}


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
def app(settings: Settings, database: BlockingDatabase) -> FastAPI:
    """The application the ``client`` fixtures talk to: one for the whole run."""
    return create_app(settings)


@pytest.fixture(scope="session")
def running_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def shared_client(running_client: TestClient) -> Iterator[TestClient]:
    """The running application's client, as a test found it: no credentials, no cookies."""
    default_headers = dict(running_client.headers)
{%- if cookiecutter.rate_limiting == "memory" %}
    app = running_client.app
    assert isinstance(app, FastAPI)
    running_client.portal.call(app.state.rate_limiter.storage.reset)  # type: ignore[union-attr]
{%- endif %}
    yield running_client
    running_client.headers = default_headers
    running_client.cookies.clear()


{% if cookiecutter.auth == "jwt" -%}
@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Argon2 at its recommended cost takes tens of milliseconds per hash, on purpose.
    The tests hash and verify with the same algorithm at its lowest cost instead."""
    with pytest.MonkeyPatch.context() as patch:
        cheap = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)
        patch.setattr(security, "password_hash", PasswordHash((cheap,)))
        yield


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The test password, hashed once per run."""
    return security.password_hash.hash(TEST_PASSWORD)


@pytest.fixture
def user_id(database: BlockingDatabase, password_hash: str) -> int:
    return database.run(insert_user, email="owner@example.com", hashed_password=password_hash)


@pytest.fixture
def auth_headers(settings: Settings, user_id: int) -> dict[str, str]:
    """Credentials of the ``user_id`` user."""
    return bearer_headers(settings, user_id)
{%- elif cookiecutter.auth == "api_key" -%}
@pytest.fixture
def auth_headers() -> dict[str, str]:
    """Credentials of a client: the first configured API key."""
    return {"X-API-Key": TEST_API_KEYS[0]}
{%- else -%}
@pytest.fixture
def auth_headers() -> dict[str, str]:
    """Credentials of a client: none are needed."""
    return {}
{%- endif %}


@pytest.fixture
def client(shared_client: TestClient, auth_headers: dict[str, str]) -> TestClient:
    """A client with credentials, of the application shared by the run."""
    shared_client.headers.update(auth_headers)
    return shared_client


@pytest.fixture
def anonymous_client(shared_client: TestClient, request: pytest.FixtureRequest) -> TestClient:
    """A client that sends no credentials (the same one as ``client``: use one of the two)."""
    assert "client" not in request.fixturenames, "a test gets client or anonymous_client"
    return shared_client
