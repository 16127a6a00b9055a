"""User accounts: request and response bodies and data access."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints
from sqlalchemy import ColumnElement, Connection, insert, select
from sqlalchemy.exc import IntegrityError

from .db import Database
from .models import EMAIL_MAX_LENGTH, User, utc_now
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


class EmailTakenError(Exception):
    """Another account already uses the e-mail address."""


USER_COLUMNS = (User.id, User.email, User.is_active, User.created_at, User.hashed_password)


class UserRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def get(self, user_id: int) -> UserAccount | None:
        return await self.database.run(self._find, User.id == user_id)

    async def get_by_email(self, email: str) -> UserAccount | None:
        return await self.database.run(self._find, User.email == email.lower())

    async def create(self, data: UserCreate) -> UserAccount:
        hashed_password = await hash_password(data.password)
        try:
            return await self.database.run(self._insert, data.email, hashed_password)
        except IntegrityError:
            # The unique index settles races between two registrations of one address.
            raise EmailTakenError(data.email) from None

    def _find(self, connection: Connection, condition: ColumnElement[bool]) -> UserAccount | None:
        row = connection.execute(select(*USER_COLUMNS).where(condition)).one_or_none()
        return None if row is None else UserAccount.model_validate(row, from_attributes=True)

    def _insert(self, connection: Connection, email: str, hashed_password: str) -> UserAccount:
        statement = insert(User).values(
            email=email, hashed_password=hashed_password, is_active=True, created_at=utc_now()
        )
        row = connection.execute(statement.returning(*USER_COLUMNS)).one()
        return UserAccount.model_validate(row, from_attributes=True)
