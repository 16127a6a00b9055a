"""The SQLite test database: a throwaway file, or the one ``TEST_DATABASE_URL`` names."""

import os
from pathlib import Path

import pytest
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.factory import create_app

from .database_sqlite_helpers import POOL_TIMEOUT_SECONDS
from .helpers import BlockingDatabase, make_settings


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}"


@pytest.fixture
def unreachable_database_url(tmp_path: Path) -> str:
    """A SQLite URL that cannot be opened: a directory is no database file."""
    return f"sqlite:///{tmp_path}"


@pytest.fixture
def one_connection_app(database_url: str, database: BlockingDatabase) -> FastAPI:
    """An app with a single connection, and a short wait for it."""
    settings = make_settings(
        database_url, database_pool_size=1, database_pool_timeout=POOL_TIMEOUT_SECONDS
    )
    return create_app(settings)
