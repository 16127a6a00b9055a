"""The API keys' settings, apart from the guard that checks them.

Kept out of ``api/api_key.py``: the settings combine them (``config.py``), and the guard
reads the combined settings through ``api/deps.py``.
"""

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings

from .secret_policy import check_secret
from .settings_base import CommaSeparated, Environment


class ApiKeySettings(BaseSettings):
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
