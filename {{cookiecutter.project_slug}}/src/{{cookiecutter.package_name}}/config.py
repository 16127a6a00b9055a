"""Application settings: the single source of configuration.

Values come from environment variables and the git-ignored ``.env`` file. They are
typed and validated when the application starts; a bad value stops start-up with a
message that names the variable.
"""

{% if cookiecutter.auth == "jwt" -%}
import secrets
{% endif -%}
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Literal

{% if cookiecutter.rate_limiting != "none" -%}
from limits import parse as parse_rate_limit
{% endif -%}
from pydantic import Field, ValidationError, {% if cookiecutter.auth != "none" %}ValidationInfo, {% endif %}field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

{% if cookiecutter.database == "postgresql" -%}
DEFAULT_DATABASE_URL = "postgresql+asyncpg://app:app@localhost:5432/app"
{%- else -%}
DEFAULT_DATABASE_URL = "sqlite:///./data/app.db"
{%- endif %}
{%- if cookiecutter.auth != "none" %}
# Values that must never protect a real deployment: the example file's placeholder and friends.
PLACEHOLDER_SECRETS = frozenset({"change-me", "changeme", "secret", "password", "dev", "test"})
MIN_SECRET_LENGTH = 32
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}
# Accepted for PostgreSQL, and rewritten to the asyncpg driver the application uses.
POSTGRESQL_SCHEMES = (
    "postgresql+asyncpg://",
    "postgresql+psycopg://",
    "postgresql://",
    "postgres://",
)
{%- endif %}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class InvalidSettingsError(RuntimeError):
    """Raised at start-up when the environment holds an unusable configuration."""
{%- if cookiecutter.auth != "none" %}


def check_secret(value: str) -> None:
    """Refuse a secret that is missing, a known placeholder, or too short to resist guessing."""
    if not value:
        raise ValueError("is required in production")
    if value.lower() in PLACEHOLDER_SECRETS:
        raise ValueError("is a placeholder; generate a value with: openssl rand -base64 48")
    if len(value) < MIN_SECRET_LENGTH:
        raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters long")
{%- endif %}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    environment: Environment = Environment.PRODUCTION
    database_url: str = DEFAULT_DATABASE_URL
{%- if cookiecutter.database == "postgresql" %}
    # Connections per process, and how many more it may open under load. Overflow
    # connections are closed as soon as they are idle, so under steady load they are
    # opened and closed again and again: size the pool, keep the overflow for bursts.
    database_pool_size: int = Field(default=20, ge=1, le=100)
    database_max_overflow: int = Field(default=0, ge=0, le=100)
    # Seconds to establish a new connection before the database counts as unreachable.
    database_connect_timeout: float = Field(default=5, gt=0, le=60)
{%- else %}
    # Threads per process that run the queries, each with its connection. More threads
    # only add contention for the interpreter: SQLite answers in microseconds.
    database_pool_size: int = Field(default=2, ge=1, le=100)
{%- endif %}
    # Seconds a request waits for a free connection before it is answered 503.
    database_pool_timeout: float = Field(default=5, gt=0, le=60)
    # Bytes of request body accepted; a larger body is refused with 413 before it is read.
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: LogLevel = "INFO"
    log_format: LogFormat = LogFormat.CONSOLE
    # None means "on everywhere but production".
    docs_enabled: bool | None = None
    # Addresses of reverse proxies whose X-Forwarded-For header is believed ("*" for any).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
{%- if cookiecutter.auth == "jwt" %}
    secret_key: str = Field(default="", validate_default=True)
    access_token_expire_minutes: int = Field(default=30, ge=1, le=60 * 24 * 30)
{%- elif cookiecutter.auth == "api_key" %}
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list, validate_default=True)
{%- endif %}
{%- if cookiecutter.rate_limiting != "none" %}
    rate_limit_default: str = "100/minute"
{%- if cookiecutter.auth == "jwt" %}
    rate_limit_auth: str = "5/minute"
{%- endif %}
{%- endif %}
{%- if cookiecutter.rate_limiting == "redis" %}
    redis_url: str = "redis://localhost:6379/0"
{%- endif %}

    @field_validator("database_url")
    @classmethod
    def normalise_database_url(cls, url: str) -> str:
{%- if cookiecutter.database == "postgresql" %}
        for scheme in POSTGRESQL_SCHEMES:
            if url.startswith(scheme):
                return "postgresql+asyncpg://" + url.removeprefix(scheme)
        raise ValueError("expected a postgresql://user:password@host:5432/database URL")
{%- else %}
        if url.startswith("sqlite:///"):
            return url
        raise ValueError("expected a sqlite:///path/to/file.db URL")
{%- endif %}

    @field_validator(
        "cors_origins",
        "trusted_proxies",
{%- if cookiecutter.auth == "api_key" %}
        "api_keys",
{%- endif %}
        mode="before",
    )
    @classmethod
    def split_comma_separated(cls, value: object) -> object:
        """Accept a comma-separated list, the natural form for an environment variable."""
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

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

{%- if cookiecutter.rate_limiting != "none" %}

    @field_validator(
        "rate_limit_default",
{%- if cookiecutter.auth == "jwt" %}
        "rate_limit_auth",
{%- endif %}
    )
    @classmethod
    def check_rate_limit(cls, value: str) -> str:
        try:
            limit = parse_rate_limit(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit such as 100/minute") from None
        if limit.amount < 1:
            raise ValueError(f"{value!r} would refuse every request")
        return value
{%- endif %}
{%- if cookiecutter.rate_limiting == "redis" %}

    @field_validator("redis_url")
    @classmethod
    def check_redis_url(cls, url: str) -> str:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("expected a redis://host:port/db URL")
        return url
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}

    @field_validator("secret_key")
    @classmethod
    def require_real_secret(cls, secret_key: str, info: ValidationInfo) -> str:
        if info.data.get("environment") is Environment.PRODUCTION:
            check_secret(secret_key)
        # Without a configured key, tokens last as long as the process: fine on a laptop only.
        return secret_key or secrets.token_urlsafe(MIN_SECRET_LENGTH)
{%- elif cookiecutter.auth == "api_key" %}

    @field_validator("api_keys")
    @classmethod
    def require_real_keys(cls, api_keys: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("environment") is Environment.PRODUCTION:
            if not api_keys:
                raise ValueError("at least one key is required in production")
            for key in api_keys:
                check_secret(key)
        return api_keys
{%- endif %}

    @property
    def show_docs(self) -> bool:
        if self.docs_enabled is None:
            return self.environment is not Environment.PRODUCTION
        return self.docs_enabled


def load_settings() -> Settings:
    """Read the settings, turning validation errors into one message per variable."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']).upper()}: "
            f"{problem['msg'].removeprefix('Value error, ')}"
            for problem in error.errors()
        )
        raise InvalidSettingsError(f"Invalid configuration: {problems}") from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
