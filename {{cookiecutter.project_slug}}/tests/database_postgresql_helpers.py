"""What the database tests do differently on PostgreSQL."""

import threading

from sqlalchemy import Connection, text

from .helpers import HOLD_SECONDS

# Settings for an application with a single connection: a pool of one, no overflow.
ONE_CONNECTION: dict[str, object] = {"database_pool_size": 1, "database_max_overflow": 0}


def hold_connection(connection: Connection, acquired: threading.Event) -> None:
    """Keep the connection busy, the way a slow query would."""
    acquired.set()
    connection.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": HOLD_SECONDS})
