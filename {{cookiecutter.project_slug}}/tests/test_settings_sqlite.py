"""SQLite settings: a sqlite:/// file is kept, any other URL stops start-up, and so does
a synchronous level that could corrupt the file."""

import pytest

from {{ cookiecutter.package_name }}.config import Settings, load_settings
from {{ cookiecutter.package_name }}.settings_errors import InvalidSettingsError

pytestmark = pytest.mark.usefixtures("clean_environment")


def test_sqlite_urls_are_kept() -> None:
    settings = Settings(_env_file=None, database_url="sqlite:////var/lib/app/app.db")
    assert settings.database_url == "sqlite:////var/lib/app/app.db"


@pytest.mark.parametrize(
    "url", ["postgres://u:p@db:5432/app", "postgresql://u:p@db/app", "sqlite://relative.db"]
)
def test_other_database_urls_stop_start_up(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """This project was generated for SQLite: a PostgreSQL URL would need another driver."""
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(InvalidSettingsError, match="DATABASE_URL: expected a sqlite:///"):
        load_settings()


def test_database_synchronous_is_full_or_normal(monkeypatch: pytest.MonkeyPatch) -> None:
    """``off`` is not offered: a crash of the machine could then corrupt the file."""
    monkeypatch.setenv("DATABASE_SYNCHRONOUS", "off")
    with pytest.raises(InvalidSettingsError, match="DATABASE_SYNCHRONOUS: Input should be"):
        load_settings()
