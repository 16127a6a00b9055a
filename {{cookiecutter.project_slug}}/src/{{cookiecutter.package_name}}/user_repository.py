"""Data access for user accounts (SQLAlchemy Core, statements built once)."""

from typing import Any

from sqlalchemy import Connection, Executable, Row, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from .db import Database
from .orm import utc_now
from .security import hash_password
from .user_models import User
from .user_schemas import UserAccount, UserCreate


class EmailTakenError(Exception):
    """Another account already uses the e-mail address."""


USER_COLUMNS = (User.id, User.email, User.is_active, User.created_at, User.hashed_password)
USER_FIELDS = tuple(column.key for column in USER_COLUMNS)
# Built once and run with parameters, like the task statements (see repository.py).
GET_USER = select(*USER_COLUMNS).where(User.id == bindparam("user_id"))
GET_USER_BY_EMAIL = select(*USER_COLUMNS).where(User.email == bindparam("user_email"))
INSERT_USER = insert(User).returning(*USER_COLUMNS)


def to_account(row: Row[*tuple[Any, ...]]) -> UserAccount:
    return UserAccount.model_validate(dict(zip(USER_FIELDS, row, strict=True)))


class UserRepository:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def get(self, user_id: int) -> UserAccount | None:
        return await self.database.run(self._find, GET_USER, {"user_id": user_id})

    async def get_by_email(self, email: str) -> UserAccount | None:
        if "\x00" in email:
            # No address holds U+0000 (registration validates them), and PostgreSQL cannot
            # even compare text that does.
            return None
        return await self.database.run(self._find, GET_USER_BY_EMAIL, {"user_email": email.lower()})

    async def create(self, data: UserCreate) -> UserAccount:
        values = {
            "email": data.email,
            "hashed_password": await hash_password(data.password),
            "is_active": True,
            "created_at": utc_now(),
        }
        try:
            return await self.database.write(self._insert, values)
        except IntegrityError:
            # The unique index settles races between two registrations of one address.
            raise EmailTakenError(data.email) from None

    def _find(
        self, connection: Connection, statement: Executable, parameters: dict[str, Any]
    ) -> UserAccount | None:
        row = connection.execute(statement, parameters).one_or_none()
        return None if row is None else to_account(row)

    def _insert(self, connection: Connection, values: dict[str, Any]) -> UserAccount:
        return to_account(connection.execute(INSERT_USER, values).one())
