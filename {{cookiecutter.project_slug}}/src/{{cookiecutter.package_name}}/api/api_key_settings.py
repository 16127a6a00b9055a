"""API-key authentication's settings: the keys, and what production requires of them.

Kept out of ``api_key.py``: ``config.py`` combines them into the settings, and the guard
there reads the combined settings through ``deps.py``.
"""

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings

from ..secret_policy import check_secret
from ..settings_base import CommaSeparated, Environment


class AuthSettings(BaseSettings):
    api_keys: CommaSeparated = Field(default_factory=list, validate_default=True)

    @field_validator("api_keys")
    @classmethod
    def require_real_keys(cls, api_keys: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("environment") is Environment.PRODUCTION:
            if not api_keys:
                raise ValueError("at least one key is required in production")
            for key in api_keys:
                check_secret(key)
        return api_keys
