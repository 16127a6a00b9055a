"""Settings: environment variables, validation, and refusal to start on bad values."""

import pytest

from {{ cookiecutter.package_name }}.config import LogFormat, load_settings
from {{ cookiecutter.package_name }}.db import DEFAULT_DATABASE_URL
from {{ cookiecutter.package_name }}.settings_base import Environment
from {{ cookiecutter.package_name }}.settings_errors import InvalidSettingsError

pytestmark = pytest.mark.usefixtures("clean_environment")


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
