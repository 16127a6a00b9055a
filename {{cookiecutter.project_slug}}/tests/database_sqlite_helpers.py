"""What the database tests do differently on SQLite."""

import re
import threading
from typing import Any

from sqlalchemy import Connection

from .helpers import HOLD_LIMIT_SECONDS

# Settings for an application with a single connection (one thread, with its connection).
ONE_CONNECTION: dict[str, object] = {"database_pool_size": 1}


def hold_connection(
    connection: Connection, acquired: threading.Event, released: threading.Event
) -> None:
    """Keep the connection busy, the way a slow query would, until ``released`` is set."""
    acquired.set()
    # SQLite work runs in a thread of the database's own: waiting there holds it.
    released.wait(timeout=HOLD_LIMIT_SECONDS)


# How EXPLAIN QUERY PLAN says that a table is read from an index, and that rows are sorted
# ("RIGHT PART OF ORDER BY" sorts the rows of equal leading keys, which can be all of them).
READS_AN_INDEX = re.compile(r"USING (COVERING )?INDEX ix_")
SORTS_EVERY_ROW = re.compile(r"USE TEMP B-TREE FOR .*ORDER BY")


def query_plan(connection: Connection, sql: str, parameters: tuple[Any, ...]) -> list[str]:
    """How SQLite would run the statement, one line per step."""
    steps = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
    return [step.detail for step in steps]


def gather_planner_statistics(connection: Connection) -> None:
    """Nothing: SQLite keeps no statistics until someone runs ANALYZE, and nothing in the
    application does, so its planner works from its defaults."""
