"""Shared fixtures.

The test database's schema is rebuilt from the migrations once per run, and every test
starts with empty tables. What differs with the project's choices, such as the database
and the credentials a client sends, comes from the ``<feature>_<choice>_fixtures.py``
modules registered below.

Building an application and starting its lifespan costs more than most tests, so the
tests share one running application (``client``); tests that need other settings build
their own with ``make_settings`` and ``create_app``, and serve it with ``serve``.

The tests that talk to the API are ``async``: their client hands each request to the
application in the test's event loop (AnyIO's pytest plugin runs them, in one event loop
for the whole run). Starlette's ``TestClient`` runs the application in a thread of its
own and crosses over to it eight times per request: 2.5 ms per request, measured against
0.4 ms this way.
"""

from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from alembic import command
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from httpx2 import AsyncClient
from sqlalchemy import Connection, MetaData

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.db import Database
from {{ cookiecutter.package_name }}.factory import create_app
from {{ cookiecutter.package_name }}.models import Base

from .auth_{{ cookiecutter.auth }}_helpers import PRODUCTION_SECRETS
from .database_{{ cookiecutter.database }}_helpers import ONE_CONNECTION
from .helpers import (
    POOL_TIMEOUT_SECONDS,
    BlockingDatabase,
    alembic_config,
    make_settings,
    serve,
)

pytest_plugins = [
    "tests.database_{{ cookiecutter.database }}_fixtures",
    "tests.auth_{{ cookiecutter.auth }}_fixtures",
{%- if cookiecutter.rate_limiting != "none" %}
    "tests.rate_limiting_{{ cookiecutter.rate_limiting }}_fixtures",
{%- endif %}
]


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
def anyio_backend() -> str:
    """Async tests and fixtures run on asyncio, in one event loop shared by the whole run."""
    return "asyncio"


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


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
def app(settings: Settings, database: BlockingDatabase) -> FastAPI:
    """The application the ``client`` fixtures talk to: one for the whole run."""
    return create_app(settings)


@pytest.fixture(scope="session")
async def running_client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with serve(app) as client:
        yield client


@pytest.fixture
def make_one_connection_app(
    database_url: str, database: BlockingDatabase
) -> Callable[..., FastAPI]:
    """Builds an app with a single connection; by default a request waits briefly for it."""

    def make(*, pool_timeout: float = POOL_TIMEOUT_SECONDS) -> FastAPI:
        return create_app(
            make_settings(database_url, **ONE_CONNECTION, database_pool_timeout=pool_timeout)
        )

    return make


@pytest.fixture
def one_connection_app(make_one_connection_app: Callable[..., FastAPI]) -> FastAPI:
    """An app with a single connection, and a short wait for it."""
    return make_one_connection_app()


@pytest.fixture
def shared_client(running_client: AsyncClient) -> Iterator[AsyncClient]:
    """The running application's client, as a test found it: no credentials, no cookies."""
    default_headers = dict(running_client.headers)
    yield running_client
    running_client.headers = default_headers
    running_client.cookies.clear()


@pytest.fixture
def client(shared_client: AsyncClient, auth_headers: dict[str, str]) -> AsyncClient:
    """A client with credentials, of the application shared by the run."""
    shared_client.headers.update(auth_headers)
    return shared_client


@pytest.fixture
def anonymous_client(shared_client: AsyncClient, request: pytest.FixtureRequest) -> AsyncClient:
    """A client that sends no credentials (the same one as ``client``: use one of the two)."""
    assert "client" not in request.fixturenames, "a test gets client or anonymous_client"
    return shared_client


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """The environment of a fresh start in production: no setting but the secrets it needs.
    The test runs from an empty directory, so a developer's .env cannot leak in."""
    monkeypatch.chdir(str(tmp_path))
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in PRODUCTION_SECRETS.items():
        monkeypatch.setenv(name, value)
