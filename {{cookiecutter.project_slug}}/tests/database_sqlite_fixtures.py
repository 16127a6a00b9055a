"""The SQLite test database: a throwaway file, or the one ``TEST_DATABASE_URL`` names."""

import os
from pathlib import Path

import pytest


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
