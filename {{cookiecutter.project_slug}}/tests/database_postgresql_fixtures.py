"""The PostgreSQL test database: the one ``TEST_DATABASE_URL`` names.

Its schema is rebuilt from the migrations and its tables are emptied after every test, so
give the tests a database of their own.
"""

import os

import pytest


@pytest.fixture(scope="session")
def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail(
            "The tests need a PostgreSQL database they may empty: set TEST_DATABASE_URL, "
            "e.g. postgresql://app:app@localhost:5432/app_test",
            pytrace=False,
        )
    return url
