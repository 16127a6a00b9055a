"""Migrating PostgreSQL: replicas that start together take turns, for as long as it takes."""

import pytest
from alembic import command
from sqlalchemy import Connection, text

from {{ cookiecutter.package_name }}.db import Database, DatabaseUnavailableError, begin_migrations

from .helpers import BlockingDatabase, alembic_config, make_settings

STATEMENT_TIMEOUT_SECONDS = 0.2


def advisory_locks_held_while_migrating(connection: Connection) -> int:
    command.upgrade(alembic_config(connection), "head")
    # A transaction-level lock lasts until the caller's transaction ends, so it is still held.
    held = text(
        "SELECT count(*) FROM pg_locks "
        "WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
    )
    return int(connection.execute(held).scalar_one())


def test_migrations_hold_an_advisory_lock_so_replicas_take_turns(
    database: BlockingDatabase,
) -> None:
    assert database.run_in_transaction(advisory_locks_held_while_migrating) == 1


def sleep_past_the_time_out(connection: Connection) -> None:
    """A statement slower than the time-out, such as an index built on a large table."""
    seconds = 2 * STATEMENT_TIMEOUT_SECONDS
    connection.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})


def migrate_slowly(connection: Connection) -> None:
    begin_migrations(connection)
    sleep_past_the_time_out(connection)


@pytest.mark.anyio
async def test_migrations_run_without_the_statement_time_out(database_url: str) -> None:
    settings = make_settings(database_url, database_statement_timeout=STATEMENT_TIMEOUT_SECONDS)
    database = Database(settings)
    try:
        await database.run_in_transaction(migrate_slowly)
        # Lifted for the migrations' transaction only.
        with pytest.raises(DatabaseUnavailableError, match="statement timeout"):
            await database.run_in_transaction(sleep_past_the_time_out)
    finally:
        await database.dispose()
