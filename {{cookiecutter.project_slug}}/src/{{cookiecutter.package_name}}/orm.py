"""What every ORM model shares: the declarative base, its naming convention, UTC datetimes."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Dialect, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Largest value the id columns hold: they are INTEGER, 32-bit signed on PostgreSQL (SQLite's
# is 64-bit, but the API bounds ids the same on both). A larger id names no row: 422, where
# PostgreSQL would refuse the query itself.
MAX_ID = 2**31 - 1

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

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None]:
        # One plain function per value, instead of the decorator's chain of calls around
        # process_result_value: it runs for every datetime of every row read (a page of 20
        # tasks has 60), and the chain cost more than the page's query on SQLite.
        return utc_from_sqlite_text if dialect.name == "sqlite" else utc_from_driver

    @property
    def python_type(self) -> type[datetime]:
        return datetime


def utc_from_sqlite_text(value: str | None) -> datetime | None:
    """SQLite returns the text that process_bind_param stored: naive UTC, ISO 8601. Parsing
    it with its offset appended takes one step; a replace(tzinfo=UTC) after parsing would
    cost four times the parsing."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value + "+00:00")
    except ValueError:
        # Text with an offset of its own ("Z", "-05:00"), as another tool may have written it.
        moment = datetime.fromisoformat(value)
    # Anything else (another offset, or a date alone, parsed naive) goes the general way.
    return moment if moment.tzinfo is UTC else utc_from_driver(moment)


def utc_from_driver(value: datetime | None) -> datetime | None:
    """PostgreSQL's drivers return timezone-aware datetimes for these columns (asyncpg's
    already in UTC); a naive one is taken as UTC, the zone of everything this type stores."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}
