"""PostgreSQL settings: every usual spelling of a URL is rewritten to the asyncpg driver,
and the statement time-out reaches each connection in PostgreSQL's unit."""

import pytest

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.db.postgresql import connect_arguments

pytestmark = pytest.mark.usefixtures("clean_environment")


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:p@db:5432/app",
        "postgresql://u:p@db:5432/app",
        "postgresql+psycopg://u:p@db/app",
        "postgresql+asyncpg://u:p@db/app",
    ],
)
def test_postgresql_urls_are_normalised_to_asyncpg(url: str) -> None:
    settings = Settings(_env_file=None, database_url=url)
    assert settings.database_url.startswith("postgresql+asyncpg://u:p@db")


@pytest.mark.parametrize(
    ("seconds", "sent"),
    [(5, "5000"), (0.25, "250"), (0.0001, "1")],
)
def test_the_statement_timeout_is_sent_in_milliseconds_never_as_none(
    seconds: float, sent: str
) -> None:
    settings = Settings(_env_file=None, database_statement_timeout=seconds)
    assert connect_arguments(settings)["server_settings"] == {"statement_timeout": sent}


def test_no_statement_timeout_leaves_the_databases_own() -> None:
    settings = Settings(_env_file=None, database_statement_timeout=0)
    assert "server_settings" not in connect_arguments(settings)
