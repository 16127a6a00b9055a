"""What the database tests do differently on PostgreSQL."""

import threading

from sqlalchemy import Connection, text

# Long enough that a request queued behind a held connection would notice, short enough
# for a test.
HOLD_SECONDS = 1.0
POOL_TIMEOUT_SECONDS = 0.2


def hold_connection(connection: Connection, acquired: threading.Event) -> None:
    """Keep the connection busy, the way a slow query would."""
    acquired.set()
    connection.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": HOLD_SECONDS})
