"""What the database tests do differently on PostgreSQL."""

import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Self

import pytest
from sqlalchemy import Connection, make_url, text
from sqlalchemy.exc import ProgrammingError

from .helpers import HOLD_LIMIT_SECONDS, BlockingDatabase

# Settings for an application with a single connection: a pool of one, no overflow.
ONE_CONNECTION: dict[str, object] = {"database_pool_size": 1, "database_max_overflow": 0}


def hold_connection(
    connection: Connection, acquired: threading.Event, released: threading.Event
) -> None:
    """Keep the connection busy, the way a slow query would, until ``released`` is set."""
    acquired.set()
    # Short sleeps on the server, not one long one: the connection is busy all along, and
    # is given back soon after the test releases it.
    deadline = time.monotonic() + HOLD_LIMIT_SECONDS
    while not released.is_set() and time.monotonic() < deadline:
        connection.execute(text("SELECT pg_sleep(0.02)"))


# How EXPLAIN says that a table is read from an index, and that a whole input is sorted
# ("Incremental Sort" only sorts the rows of equal keys).
READS_AN_INDEX = re.compile(r"Index (Only )?Scan")
SORTS_EVERY_ROW = re.compile(r"^\s*(->\s+)?Sort\s+\(")


def query_plan(connection: Connection, sql: str, parameters: tuple[Any, ...]) -> list[str]:
    """How PostgreSQL would run the statement, one line per plan line."""
    return list(connection.exec_driver_sql(f"EXPLAIN {sql}", parameters).scalars())


def gather_planner_statistics(connection: Connection) -> None:
    """What autovacuum does soon after many rows arrive."""
    connection.execute(text("ANALYZE tasks"))


@dataclass(frozen=True, kw_only=True)
class LimitedRole:
    """A role that may use the test database, whose connections PostgreSQL can be told to
    refuse beyond a number: "too many connections" (SQLSTATE 53300), as a server at
    max_connections refuses them to everyone but superusers."""

    database: BlockingDatabase
    name: str
    url: str

    @classmethod
    def create(cls, database: BlockingDatabase, database_url: str) -> Self:
        # One role per test database, so that test runs on other databases of the server
        # keep to theirs; within PostgreSQL's 63 characters of a name.
        name = f"{make_url(database_url).database}"[:54] + "_limited"
        password = secrets.token_hex(16)
        try:
            database.run(
                execute_all,
                f'DROP ROLE IF EXISTS "{name}"',
                f"""CREATE ROLE "{name}" LOGIN PASSWORD '{password}'""",
            )
        except ProgrammingError as error:
            pytest.fail(
                f"The user of TEST_DATABASE_URL may not create roles ({error.orig}): "
                "give it CREATEROLE, as a superuser such as the compose file's has",
                pytrace=False,
            )
        url = make_url(database_url).set(username=name, password=password)
        return cls(database=database, name=name, url=url.render_as_string(hide_password=False))

    def allow(self, connections: int | None) -> None:
        """Let the role hold that many connections at once (None: as many as the server)."""
        limit = -1 if connections is None else connections
        self.database.run(execute_all, f'ALTER ROLE "{self.name}" CONNECTION LIMIT {limit}')

    def drop(self) -> None:
        self.database.run(execute_all, f'DROP ROLE "{self.name}"')


def execute_all(connection: Connection, *statements: str) -> None:
    for statement in statements:
        connection.execute(text(statement))


def connections_of_this_role(connection: Connection) -> int:
    """Hold the connection a moment, as a query would, then count the role's connections."""
    connection.execute(text("SELECT pg_sleep(0.05)"))
    statement = text("SELECT count(*) FROM pg_stat_activity WHERE usename = current_user")
    count: int = connection.execute(statement).scalar_one()
    return count
