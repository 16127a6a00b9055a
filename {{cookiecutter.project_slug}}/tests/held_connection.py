"""One of the database's connections kept busy, as by a slow query, while a test needs it."""

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from {{ cookiecutter.package_name }}.db import Database

from .database_{{ cookiecutter.database }}_helpers import hold_connection


@asynccontextmanager
async def connection_held(database: Database) -> AsyncIterator[asyncio.Task[None]]:
    """Hold a connection of ``database`` until the block ends; yields the task holding it."""
    acquired, released = threading.Event(), threading.Event()
    held = asyncio.create_task(database.run(hold_connection, acquired, released))
    try:
        assert await asyncio.to_thread(acquired.wait, timeout=5)
        yield held
    finally:
        released.set()
        await asyncio.wait_for(held, timeout=10)
