"""Shared fixtures.

Tests run on a throwaway SQLite file by default. Set ``TEST_DATABASE_URL`` to run the same
tests against a PostgreSQL server; its schema is rebuilt from the migrations first.
Every test starts with empty tables.
{%- if cookiecutter.rate_limiting == "redis" %}

Rate limits are counted in the Redis named by ``TEST_REDIS_URL``; when it is unset, the run
starts a private ``redis-server`` from PATH. Every test starts with no rate limit counted.
{%- endif %}
"""

import os
from collections.abc import Iterator
{%- if cookiecutter.auth == "jwt" %}
from datetime import timedelta
{%- endif %}
from pathlib import Path

import pytest
{%- if cookiecutter.rate_limiting == "redis" %}
import redis
{%- endif %}
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData
{%- if cookiecutter.auth == "jwt" %}
from sqlalchemy.orm import Session
{%- endif %}

from {{ cookiecutter.package_name }}.config import Environment, Settings
from {{ cookiecutter.package_name }}.db import create_db_engine
from {{ cookiecutter.package_name }}.factory import create_app
from {{ cookiecutter.package_name }}.models import Base{% if cookiecutter.auth == "jwt" %}, User{% endif %}
{%- if cookiecutter.rate_limiting == "redis" %}
from {{ cookiecutter.package_name }}.rate_limit import KEY_PREFIX
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
from {{ cookiecutter.package_name }}.security import create_access_token, hash_password
{%- endif %}
{%- if cookiecutter.rate_limiting == "redis" %}

from .redis_server import redis_url_for_tests, stop_started_redis_servers
{%- endif %}

PROJECT_ROOT = Path(__file__).resolve().parent.parent
{%- if cookiecutter.auth == "jwt" %}
TEST_PASSWORD = "correct horse battery staple"
TEST_SECRET_KEY = "test-secret-key-" + "0123456789abcdef" * 4
# What a valid production configuration must add to the environment.
PRODUCTION_SECRETS = {"SECRET_KEY": TEST_SECRET_KEY}
{%- elif cookiecutter.auth == "api_key" %}
# Two keys, as during a rotation: both must be accepted.
TEST_API_KEYS = [
    "test-key-current-0123456789abcdefghijklmnop",
    "test-key-next-0123456789abcdefghijklmnop",
]
# What a valid production configuration must add to the environment.
PRODUCTION_SECRETS = {"API_KEYS": ",".join(TEST_API_KEYS)}
{%- else %}
# What a valid production configuration must add to the environment: nothing secret.
PRODUCTION_SECRETS: dict[str, str] = {}
{%- endif %}


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for tests: nothing is read from the developer's .env file."""
    values: dict[str, object] = {
        "environment": Environment.TEST,
        "database_url": database_url,
{%- if cookiecutter.auth == "jwt" %}
        "secret_key": TEST_SECRET_KEY,
{%- elif cookiecutter.auth == "api_key" %}
        "api_keys": TEST_API_KEYS,
{%- endif %}
{%- if cookiecutter.rate_limiting == "redis" %}
        "redis_url": redis_url_for_tests(),
{%- endif %}
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def alembic_config(engine_connection: object) -> Config:
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.attributes["connection"] = engine_connection
    config.attributes["configure_logger"] = False
    return config


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The test database, migrated to the latest revision once per run."""
    engine = create_db_engine(make_settings(database_url))
    with engine.begin() as connection:
        # Start from nothing, whatever an earlier, interrupted run left behind.
        existing = MetaData()
        existing.reflect(connection)
        existing.drop_all(connection)
        command.upgrade(alembic_config(connection), "head")
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(engine: Engine) -> Iterator[None]:
    yield
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


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


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings)


{% if cookiecutter.auth == "jwt" -%}
@pytest.fixture(scope="session")
def password_hash() -> str:
    """Argon2 is slow on purpose: hash the shared test password once per run."""
    return hash_password(TEST_PASSWORD)


def create_user(engine: Engine, *, email: str, hashed_password: str, is_active: bool = True) -> int:
    with Session(engine) as session:
        user = User(email=email, hashed_password=hashed_password, is_active=is_active)
        session.add(user)
        session.commit()
        return user.id


def bearer_headers(settings: Settings, user_id: int) -> dict[str, str]:
    token = create_access_token(
        user_id=user_id, secret_key=settings.secret_key, expires_in=timedelta(minutes=5)
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def user_id(engine: Engine, password_hash: str) -> int:
    return create_user(engine, email="owner@example.com", hashed_password=password_hash)


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
def client(app: FastAPI, auth_headers: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(app, headers=auth_headers) as test_client:
        yield test_client


@pytest.fixture
def anonymous_client(app: FastAPI) -> Iterator[TestClient]:
    """A client that sends no credentials."""
    with TestClient(app) as test_client:
        yield test_client
