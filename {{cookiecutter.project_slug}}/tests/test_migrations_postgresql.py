"""Migrating PostgreSQL: replicas that start together take turns."""

from alembic import command
from sqlalchemy import Connection, text

from .helpers import BlockingDatabase, alembic_config


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
