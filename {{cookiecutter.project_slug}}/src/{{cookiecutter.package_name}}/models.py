"""ORM models: the application's tables."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
{%- if cookiecutter.auth == "jwt" %}
    Boolean,
{%- endif %}
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
{%- if cookiecutter.auth == "jwt" %}
    ForeignKey,
    Index,
{%- endif %}
    MetaData,
    SmallInteger,
    String,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2_000
PRIORITY_MIN = 1
PRIORITY_MAX = 5
{%- if cookiecutter.auth == "jwt" %}
# The longest address RFC 5321 allows.
EMAIL_MAX_LENGTH = 320
{%- endif %}
# Largest value of a 64-bit signed integer column: no row can have a larger id.
MAX_ID = 2**63 - 1

# Deterministic constraint names keep Alembic migrations portable between databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC on every database.

    SQLite has no timezone support, so values are stored there as naive UTC and
    given their timezone back when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass a timezone-aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @property
    def python_type(self) -> type[datetime]:
        return datetime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


{% if cookiecutter.auth == "jwt" -%}
class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


{% endif -%}
class TaskStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(f"priority BETWEEN {PRIORITY_MIN} AND {PRIORITY_MAX}", name="priority"),
{%- if cookiecutter.auth == "jwt" %}
        # A user's newest tasks first, the default listing, without sorting all of them.
        Index("ix_tasks_owner_id_created_at", "owner_id", "created_at"),
{%- endif %}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
{%- if cookiecutter.auth == "jwt" %}
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
{%- endif %}
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    description: Mapped[str | None] = mapped_column(String(DESCRIPTION_MAX_LENGTH))
    status: Mapped[TaskStatus] = mapped_column(
        Enum(
            TaskStatus,
            name="task_status",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda members: [member.value for member in members],
        ),
        default=TaskStatus.PENDING,
        index=True,
    )
    priority: Mapped[int] = mapped_column(SmallInteger, default=PRIORITY_MIN, index=True)
    due_date: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
