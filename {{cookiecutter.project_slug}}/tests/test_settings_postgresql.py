"""PostgreSQL database URLs: every usual spelling is rewritten to the asyncpg driver."""

import pytest

from {{ cookiecutter.package_name }}.config import Settings

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
