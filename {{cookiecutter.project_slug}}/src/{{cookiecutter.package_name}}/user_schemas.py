"""User accounts: request and response bodies (their data access is in user_repository.py)."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from .user_models import EMAIL_MAX_LENGTH

PASSWORD_MIN_LENGTH = 8
# Long enough for any passphrase, short enough that hashing it cannot be abused.
PASSWORD_MAX_LENGTH = 128

Email = Annotated[
    EmailStr,
    Field(max_length=EMAIL_MAX_LENGTH, examples=["ada@example.com"]),
    AfterValidator(str.lower),
]
Password = Annotated[
    str,
    StringConstraints(strict=True, min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH),
]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    is_active: bool
    created_at: datetime


class UserAccount(BaseModel):
    """A stored user, password hash included: never a response body."""

    id: int
    email: str
    is_active: bool
    created_at: datetime
    hashed_password: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
