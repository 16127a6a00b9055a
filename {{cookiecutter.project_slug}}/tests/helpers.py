"""Helpers and constants shared by the tests.

Fixtures live in conftest.py and in the ``*_fixtures.py`` modules it registers. Helpers
that belong to one of the project's choices live in that choice's own modules, such as
``auth_<mode>_helpers.py`` with the auth mode's test secrets.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from alembic.config import Config
from anyio.from_thread import BlockingPortal
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx2 import ASGITransport, AsyncClient
from sqlalchemy import Connection

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.db import Database
from {{ cookiecutter.package_name }}.settings_base import Environment

from .auth_{{ cookiecutter.auth }}_helpers import AUTH_SETTINGS
{%- if cookiecutter.rate_limiting == "redis" %}
from .redis_server import redis_url_for_tests
{%- endif %}

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TASKS_URL = "/api/v1/tasks"

# A held connection is given back when the test says so; this long at most, so that a
# test that fails before it does cannot hang the run.
HOLD_LIMIT_SECONDS = 10.0
# How long a request waits for a connection in the application with one connection.
POOL_TIMEOUT_SECONDS = 0.1
# The (host, port) the test clients' requests come from unless a test says otherwise: the
# one Starlette's TestClient uses.
DEFAULT_CLIENT = ("testclient", 50000)


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for tests: nothing is read from the developer's .env file."""
    values: dict[str, object] = {
        "environment": Environment.TEST,
        "database_url": database_url,
        **AUTH_SETTINGS,
{%- if cookiecutter.rate_limiting == "redis" %}
        "redis_url": redis_url_for_tests(),
{%- endif %}
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration, running on a connection the caller holds."""
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.attributes["connection"] = connection
    config.attributes["configure_logger"] = False
    return config


@asynccontextmanager
async def serve(
    app: FastAPI,
    *,
    client: tuple[str, int] = DEFAULT_CLIENT,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[AsyncClient]:
    """A client of ``app``, started and stopped as a server would (its lifespan events go
    through the whole middleware stack).

    The requests go straight to the application in the test's own event loop, from the
    ``client`` address: no thread and no socket in between.
    """
    async with LifespanManager(app):
        # The app itself, not the manager's wrapper of it, which hands every request the
        # same lifespan state dict where a server gives each request a copy of its own.
        transport = ASGITransport(app=app, client=client)
        async with AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as http:
            yield http


class BlockingDatabase:
    """The test database, for fixtures and synchronous tests: units of work run in an event
    loop of its own, in a thread. An async test may use it too: it waits for the result.
    """

    def __init__(self, database: Database, portal: BlockingPortal) -> None:
        self.database = database
        self.portal = portal

    def run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.portal.call(partial(self.database.run, work, *args, **kwargs))

    def run_in_transaction(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.portal.call(partial(self.database.run_in_transaction, work, *args, **kwargs))


async def create_task(client: AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "A task", **fields}
    response = await client.post(TASKS_URL, json=body)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def task_url(task_id: int | str) -> str:
    return f"{TASKS_URL}/{task_id}"
