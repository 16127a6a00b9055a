"""Application settings: the single source of configuration.

Values come from environment variables and the git-ignored ``.env`` file. They are
typed and validated when the application starts; a bad value stops start-up with a
message that names the variable. The core settings are here; the database and each
optional feature bring their own, combined into ``Settings``.
"""

from enum import StrEnum
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .api.{{ {"jwt": "jwt_settings", "api_key": "api_key_settings", "none": "open_access"}[cookiecutter.auth] }} import AuthSettings
from .db import DatabaseSettings
{%- if cookiecutter.rate_limiting != "none" %}
from .rate_limit.settings import RateLimitSettings
{%- endif %}
from .settings_base import CommaSeparated, Environment
from .settings_errors import invalid_settings


class LogFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class CoreSettings(BaseSettings):
    environment: Environment = Environment.PRODUCTION
    # Bytes of request body accepted; a larger body is refused with 413 before it is read.
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    cors_origins: CommaSeparated = Field(default_factory=list)
    log_level: LogLevel = "INFO"
    log_format: LogFormat = LogFormat.CONSOLE
    # None means "on everywhere but production".
    docs_enabled: bool | None = None
    # Addresses of reverse proxies whose X-Forwarded-For header is believed ("*" for any).
    trusted_proxies: CommaSeparated = Field(default_factory=list)

    @field_validator("cors_origins")
    @classmethod
    def forbid_wildcard(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin == "*" or not origin.startswith(("http://", "https://")):
                raise ValueError(f"{origin!r} is not an explicit http(s) origin")
        return [origin.rstrip("/") for origin in origins]

    @field_validator("log_level", mode="before")
    @classmethod
    def upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def show_docs(self) -> bool:
        if self.docs_enabled is None:
            return self.environment is not Environment.PRODUCTION
        return self.docs_enabled


# The features' settings come first: pydantic validates the core fields first, so their
# validators can see the environment.
class Settings(
    AuthSettings,
{%- if cookiecutter.rate_limiting != "none" %}
    RateLimitSettings,
{%- endif %}
    DatabaseSettings,
    CoreSettings,
):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )


def load_settings() -> Settings:
    """Read the settings, turning validation errors into one message per variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise invalid_settings(error) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
