"""JWT authentication's settings: the token signing key, and how long a token lasts.

Kept out of ``security.py`` and ``jwt_auth.py``: ``config.py`` combines them into the
settings, which those modules read.
"""

import secrets

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings

from ..secret_policy import MIN_SECRET_LENGTH, check_secret
from ..settings_base import Environment


class AuthSettings(BaseSettings):
    secret_key: str = Field(default="", validate_default=True)
    access_token_expire_minutes: int = Field(default=30, ge=1, le=60 * 24 * 30)

    @field_validator("secret_key")
    @classmethod
    def require_real_secret(cls, secret_key: str, info: ValidationInfo) -> str:
        if info.data.get("environment") is Environment.PRODUCTION:
            check_secret(secret_key)
        # Without a configured key, tokens last as long as the process: fine on a laptop only.
        return secret_key or secrets.token_urlsafe(MIN_SECRET_LENGTH)
