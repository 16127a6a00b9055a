"""Shared fixtures.

Tests run on a throwaway SQLite file by default. Set ``TEST_DATABASE_URL`` to run the same
tests against a PostgreSQL server; its schema is rebuilt from the migrations first.
Every test starts with empty tables.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData

from {{ cookiecutter.package_name }}.config import Environment, Settings
from {{ cookiecutter.package_name }}.db import create_db_engine
from {{ cookiecutter.package_name }}.factory import create_app
from {{ cookiecutter.package_name }}.models import Base

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for tests: nothing is read from the developer's .env file."""
    values: dict[str, object] = {"environment": Environment.TEST, "database_url": database_url}
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


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
