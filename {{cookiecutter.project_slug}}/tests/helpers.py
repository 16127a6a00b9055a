"""Helpers and constants shared by the tests (fixtures live in conftest.py)."""

from collections.abc import Callable
{%- if cookiecutter.auth == "jwt" %}
from datetime import timedelta
{%- endif %}
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from alembic.config import Config
from anyio.from_thread import BlockingPortal
from fastapi.testclient import TestClient
from sqlalchemy import Connection{% if cookiecutter.auth == "jwt" %}, insert{% endif %}

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.db import Database
{%- if cookiecutter.auth == "jwt" %}
from {{ cookiecutter.package_name }}.orm import utc_now
from {{ cookiecutter.package_name }}.security import create_access_token
{%- endif %}
from {{ cookiecutter.package_name }}.settings_base import Environment
{%- if cookiecutter.auth == "jwt" %}
from {{ cookiecutter.package_name }}.user_models import User
{%- endif %}
{%- if cookiecutter.rate_limiting == "redis" %}

from .redis_server import redis_url_for_tests
{%- endif %}

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TASKS_URL = "/api/v1/tasks"
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


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration, running on a connection the caller holds."""
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.attributes["connection"] = connection
    config.attributes["configure_logger"] = False
    return config


class BlockingDatabase:
    """The test database, for synchronous tests: units of work run in an event loop thread."""

    def __init__(self, database: Database, portal: BlockingPortal) -> None:
        self.database = database
        self.portal = portal

    def run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.portal.call(partial(self.database.run, work, *args, **kwargs))

    def run_in_transaction(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.portal.call(partial(self.database.run_in_transaction, work, *args, **kwargs))


def create_task(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "A task", **fields}
    response = client.post(TASKS_URL, json=body)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def task_url(task_id: int | str) -> str:
    return f"{TASKS_URL}/{task_id}"
{%- if cookiecutter.auth == "jwt" %}


def insert_user(
    connection: Connection, *, email: str, hashed_password: str, is_active: bool = True
) -> int:
    statement = insert(User).values(
        email=email, hashed_password=hashed_password, is_active=is_active, created_at=utc_now()
    )
    user_id: int = connection.execute(statement.returning(User.id)).scalar_one()
    return user_id


def bearer_headers(settings: Settings, user_id: int) -> dict[str, str]:
    token = create_access_token(
        user_id=user_id, secret_key=settings.secret_key, expires_in=timedelta(minutes=5)
    )
    return {"Authorization": f"Bearer {token}"}
{%- endif %}
