"""The PostgreSQL test database: the one ``TEST_DATABASE_URL`` names.

Its schema is rebuilt from the migrations and its tables are emptied after every test, so
give the tests a database of their own.
"""

import os

import pytest
from sqlalchemy import make_url


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


@pytest.fixture
def unreachable_database_url(database_url: str) -> str:
    """The test database's URL with a port nothing listens on."""
    # Port 1 is reserved (tcpmux) and closed on any sane test machine.
    url = make_url(database_url).set(host="127.0.0.1", port=1)
    return url.render_as_string(hide_password=False)
