"""What the database tests do differently on SQLite."""

import threading
import time

from sqlalchemy import Connection

from .helpers import HOLD_SECONDS

# Settings for an application with a single connection (one thread, with its connection).
ONE_CONNECTION: dict[str, object] = {"database_pool_size": 1}


def hold_connection(connection: Connection, acquired: threading.Event) -> None:
    """Keep the connection busy, the way a slow query would."""
    acquired.set()
    # SQLite work runs in a thread of the database's own: sleeping there holds it.
    time.sleep(HOLD_SECONDS)
