"""User accounts: request and response bodies and data access."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import EMAIL_MAX_LENGTH, User
from .security import hash_password

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


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret


class EmailTakenError(Exception):
    """Another account already uses the e-mail address."""


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def get_by_email(self, email: str) -> User | None:
        return self.session.scalar(select(User).where(User.email == email.lower()))

    def create(self, data: UserCreate) -> User:
        user = User(email=data.email, hashed_password=hash_password(data.password))
        self.session.add(user)
        try:
            self.session.commit()
        except IntegrityError:
            # The unique index settles races between two registrations of one address.
            self.session.rollback()
            raise EmailTakenError(data.email) from None
        return user
