"""What the database tests do differently on PostgreSQL."""

import re
import threading
import time
from typing import Any

from sqlalchemy import Connection, text

from .helpers import HOLD_LIMIT_SECONDS

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
