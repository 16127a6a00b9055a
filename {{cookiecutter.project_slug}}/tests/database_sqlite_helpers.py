"""What the database tests do differently on SQLite."""

import threading
import time

from sqlalchemy import Connection

# Long enough that a request queued behind a held connection would notice, short enough
# for a test.
HOLD_SECONDS = 1.0
POOL_TIMEOUT_SECONDS = 0.2


def hold_connection(connection: Connection, acquired: threading.Event) -> None:
    """Keep the connection busy, the way a slow query would."""
    acquired.set()
    # SQLite work runs in a thread of the database's own: sleeping there holds it.
    time.sleep(HOLD_SECONDS)
