"""UTC datetimes: whatever a database's driver hands back, the application reads it in UTC."""

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Dialect
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url

from {{ cookiecutter.package_name }}.orm import UTCDateTime

SQLITE = sqlite.dialect()
# The dialect alone: its driver is imported only when an engine connects.
POSTGRESQL = make_url("postgresql+asyncpg://").get_dialect()()
MOMENT = datetime(2025, 1, 1, 16, 40, 5, 123456, tzinfo=UTC)


# Each dialect's own processors, as SQLAlchemy looks them up for a statement.
def reader(dialect: Dialect) -> Callable[[Any], Any]:
    process = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert process is not None
    return process


def writer(dialect: Dialect) -> Callable[[Any], Any]:
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    return process


def test_sqlite_reads_back_what_it_stored() -> None:
    stored = writer(SQLITE)(MOMENT.astimezone(timezone(timedelta(hours=-5))))

    assert isinstance(stored, str)
    read = reader(SQLITE)(stored)
    assert read == MOMENT
    assert read.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["2025-01-01 16:40:05", "2025-01-01T16:40:05", "2025-01-01 16:40:05.000000"],
    ids=["no-fraction", "t-separator", "microseconds"],
)
def test_sqlite_text_written_by_other_tools_is_read_as_utc(text: str) -> None:
    assert reader(SQLITE)(text) == MOMENT.replace(microsecond=0)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2025-01-01T16:40:05Z", MOMENT.replace(microsecond=0)),
        ("2025-01-01 11:40:05.123456-05:00", MOMENT),
        ("2025-01-01", datetime(2025, 1, 1, tzinfo=UTC)),
    ],
    ids=["utc-designator", "offset", "date-only"],
)
def test_sqlite_text_with_an_offset_or_without_a_time_is_read_in_utc(
    text: str, moment: datetime
) -> None:
    read = reader(SQLITE)(text)

    assert read == moment
    assert read.tzinfo is UTC


@pytest.fixture
def local_time_not_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A server whose local time is not UTC, where a naive value could be misread."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("local_time_not_utc")
def test_postgresql_values_are_converted_to_utc() -> None:
    paris = timezone(timedelta(hours=1))

    read = reader(POSTGRESQL)(MOMENT.astimezone(paris))

    assert read == MOMENT
    assert read.tzinfo is UTC
    assert reader(POSTGRESQL)(MOMENT.replace(tzinfo=None)) == MOMENT


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRESQL], ids=["sqlite", "postgresql"])
def test_null_stays_null(dialect: Dialect) -> None:
    assert reader(dialect)(None) is None
