"""Settings: environment variables, validation, and refusal to start on bad values."""

import pytest

from {{ cookiecutter.package_name }}.config import LogFormat, Settings, load_settings
from {{ cookiecutter.package_name }}.db import DEFAULT_DATABASE_URL
from {{ cookiecutter.package_name }}.settings_base import Environment
from {{ cookiecutter.package_name }}.settings_errors import InvalidSettingsError

from .auth_{{ cookiecutter.auth }}_helpers import PRODUCTION_SECRETS


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """Run from an empty directory so a developer's .env cannot leak in."""
    monkeypatch.chdir(str(tmp_path))
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in PRODUCTION_SECRETS.items():
        monkeypatch.setenv(name, value)


def test_defaults_are_safe_for_production() -> None:
    settings = load_settings()
    assert settings.environment is Environment.PRODUCTION
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.cors_origins == []
    assert settings.show_docs is False


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.setenv("CORS_ORIGINS", "https://app.example.com, http://localhost:3000/")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("LOG_FORMAT", "json")

    settings = load_settings()

    assert settings.environment is Environment.DEVELOPMENT
    assert settings.cors_origins == ["https://app.example.com", "http://localhost:3000"]
    assert settings.log_level == "DEBUG"
    assert settings.log_format is LogFormat.JSON
    assert settings.show_docs is True


def test_values_come_from_the_dotenv_file(tmp_path: object) -> None:
    from pathlib import Path

    Path(str(tmp_path), ".env").write_text("ENVIRONMENT=test\nDOCS_ENABLED=false\n")
    settings = load_settings()
    assert settings.environment is Environment.TEST
    assert settings.show_docs is False


def test_docs_can_be_enabled_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCS_ENABLED", "true")
    assert load_settings().show_docs is True


{% if cookiecutter.database == "postgresql" -%}
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
{%- else -%}
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
{%- endif %}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ENVIRONMENT", "staging"),
        ("DATABASE_URL", "mysql://db/app"),
        ("CORS_ORIGINS", "*"),
        ("CORS_ORIGINS", "example.com"),
        ("LOG_LEVEL", "LOUD"),
        ("LOG_FORMAT", "xml"),
        ("DOCS_ENABLED", "maybe"),
        ("DATABASE_POOL_SIZE", "0"),
    ],
)
def test_invalid_values_stop_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidSettingsError, match=f"^Invalid configuration: {variable}: "):
        load_settings()
