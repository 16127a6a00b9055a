"""The database, and the one way the application talks to it: units of work.

A unit of work is a plain function of a SQLAlchemy ``Connection`` (the repositories are
made of them). ``Database.run`` executes one without blocking the event loop:
{%- if cookiecutter.database == "postgresql" %}
on the asyncpg driver, through SQLAlchemy's asyncio bridge, so no thread is involved.
{%- else %}
SQLite has no asynchronous driver worth its cost (aiosqlite hops to a thread for every
call), so the whole unit runs in one hop on a small pool of threads of its own.
{%- endif %}

Connections are in autocommit mode: every statement commits on its own, so a request
costs only its queries, without a BEGIN before them and a ROLLBACK when the connection
goes back to the pool. Writes are single statements (``INSERT ... RETURNING`` and
friends); ``run_in_transaction`` is there for work that needs several at once.
"""

{% if cookiecutter.database == "sqlite" -%}
import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
{%- else -%}
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
{%- endif %}

from .config import Settings
{%- if cookiecutter.database == "sqlite" %}

# Milliseconds a SQLite writer waits for a competing writer (another process) to finish.
SQLITE_BUSY_TIMEOUT_MS = 5_000
{%- endif %}

AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}

P = ParamSpec("P")
T = TypeVar("T")


class DatabaseBusyError(Exception):
    """No connection became free within ``DATABASE_POOL_TIMEOUT`` seconds."""


def select_one(connection: Connection) -> None:
    connection.execute(text("SELECT 1"))
{%- if cookiecutter.database == "postgresql" %}


class Database:
    """A pool of asyncpg connections, and the units of work run on them."""

    def __init__(self, settings: Settings) -> None:
        self.engine: AsyncEngine = create_async_engine(
            settings.database_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pool_timeout=settings.database_pool_timeout,
            # Recycle before typical idle timeouts of proxies and managed databases.
            pool_recycle=1_800,
            # No ping per checkout: a connection the server dropped fails its query, and
            # SQLAlchemy then discards every pooled connection as stale, so the requests
            # after it reconnect. That costs one 503 per outage, not a round trip per request.
            pool_pre_ping=False,
            connect_args={"timeout": settings.database_connect_timeout},
        )
        self._autocommit = self.engine.execution_options(**AUTOCOMMIT)

    async def run(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` on a connection where every statement commits on its own."""
        async with self._autocommit.connect() as connection:
            return await connection.run_sync(work, *args, **kwargs)

    async def run_in_transaction(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` in one transaction: committed when it returns, rolled back if it raises."""
        async with self.engine.begin() as connection:
            return await connection.run_sync(work, *args, **kwargs)

    async def ping(self) -> None:
        """Run a trivial query; raises when the database cannot be reached."""
        await self.run(select_one)

    async def dispose(self) -> None:
        await self.engine.dispose()
{%- else %}


class Database:
    """A SQLite file, and a pool of threads that run the units of work on it."""

    def __init__(self, settings: Settings) -> None:
        self.engine = create_sqlite_engine(settings.database_url, settings.database_pool_size)
        self._autocommit = self.engine.execution_options(**AUTOCOMMIT)
        self._threads = ThreadPoolExecutor(settings.database_pool_size, "sqlite")
        self._timeout = settings.database_pool_timeout

    async def run(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` on a connection where every statement commits on its own."""
        return await self._in_thread(self._autocommit, lambda c: work(c, *args, **kwargs))

    async def run_in_transaction(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` in one transaction: committed when it returns, rolled back if it raises."""
        return await self._in_thread(self.engine, lambda c: work(c, *args, **kwargs), begin=True)

    async def ping(self) -> None:
        """Run a trivial query; raises when the database cannot be used."""
        await self.run(select_one)

    async def dispose(self) -> None:
        self._threads.shutdown(wait=True)
        self.engine.dispose()

    async def _in_thread(
        self, engine: Engine, work: Callable[[Connection], T], *, begin: bool = False
    ) -> T:
        queued_at = time.monotonic()

        def unit() -> T:
            # Work that waited too long for a thread is refused, not started: its client
            # gets a 503 at once, and a started unit always reports its outcome.
            if time.monotonic() - queued_at > self._timeout:
                raise DatabaseBusyError
            with engine.begin() if begin else engine.connect() as connection:
                return work(connection)

        return await asyncio.get_running_loop().run_in_executor(self._threads, unit)


def create_sqlite_engine(url: str, threads: int) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # One connection per thread; a connection may serve any of the threads in turn.
    engine = create_engine(
        url, pool_size=threads, max_overflow=0, connect_args={"check_same_thread": False}
    )
    event.listen(engine, "connect", configure_sqlite_connection)
    return engine


def configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        # WAL lets readers proceed while one writer commits.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
{%- endif %}
