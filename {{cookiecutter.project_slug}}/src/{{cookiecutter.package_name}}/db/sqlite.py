"""SQLite, on a small pool of threads of its own.

SQLite has no asynchronous driver worth its cost (aiosqlite hops to a thread for every
call: measured five times slower per query), so the whole unit of work runs in one hop.
"""

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from .errors import DatabaseBusyError, DatabaseUnavailableError

# Milliseconds a SQLite writer waits for a competing writer (another process) to finish.
SQLITE_BUSY_TIMEOUT_MS = 5_000

# SQLite's PRAGMA synchronous values that a write-ahead log makes sense with.
Synchronous = Literal["full", "normal"]

P = ParamSpec("P")
T = TypeVar("T")


@contextmanager
def unavailability_named() -> Iterator[None]:
    """Turn the driver's ways of saying "not now" into ``DatabaseUnavailableError``: a file
    that cannot be opened, a disk that is full, a lock another process did not release in
    time. Everything else, such as an integrity error, is the caller's to handle.
    """
    try:
        yield
    except DBAPIError as error:
        if error.connection_invalidated or isinstance(error, OperationalError):
            raise DatabaseUnavailableError(str(error)) from error
        raise


def select_one(connection: Connection) -> None:
    connection.execute(text("SELECT 1"))


def begin_migrations(connection: Connection) -> None:
    """Nothing to prepare: a SQLite file serves one container (the README's "One replica"),
    which migrates before it serves, and its statements have no time-out to lift."""


DEFAULT_DATABASE_URL = "sqlite:///./data/app.db"


class DatabaseSettings(BaseSettings):
    database_url: str = DEFAULT_DATABASE_URL
    # Threads per process that run the reads, each with its connection (the writes have
    # one more of their own). More threads only add contention for the interpreter:
    # SQLite answers in microseconds.
    database_pool_size: int = Field(default=2, ge=1, le=100)
    # Seconds a request waits for a free connection before it is answered 503.
    database_pool_timeout: float = Field(default=5, gt=0, le=60)
    # full: every commit is flushed to disk before it is acknowledged, so a 201 survives a
    # power cut or a crash of the operating system. normal: flushed only at checkpoints,
    # which makes writes cheaper, and such a crash may take back the last commits (an
    # application crash never does; the file is never corrupted either way).
    database_synchronous: Synchronous = "full"

    @field_validator("database_url")
    @classmethod
    def normalise_database_url(cls, url: str) -> str:
        if url.startswith("sqlite:///"):
            return url
        raise ValueError("expected a sqlite:///path/to/file.db URL")


class Database:
    """A SQLite file, a pool of threads that read it, and one thread that writes to it.

    SQLite lets one connection at a time write. Writers that meet in SQLite wait in its
    busy handler, which sleeps 1, 2, 5, 10 ms and longer between tries: with each commit
    flushed to disk, the slowest 1% of creates under load took about 200 ms that way, and
    about 100 ms queued in order for one thread instead (the README's "Durable writes").
    """

    def __init__(self, settings: DatabaseSettings) -> None:
        self.engine = create_sqlite_engine(
            settings.database_url,
            readers=settings.database_pool_size,
            synchronous=settings.database_synchronous,
        )
        self._readers = ThreadPoolExecutor(settings.database_pool_size, "sqlite")
        self._writer = ThreadPoolExecutor(1, "sqlite-writer")
        self._timeout = settings.database_pool_timeout

    async def run(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` on a connection where every statement commits on its own, on one of
        the reading threads (work that writes belongs in ``write``)."""
        return await self._in_thread(self._readers, lambda c: work(c, *args, **kwargs))

    async def write(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Like ``run``, for work that writes: on the writer thread, in order of arrival."""
        return await self._in_thread(self._writer, lambda c: work(c, *args, **kwargs))

    async def run_in_transaction(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` in one transaction: committed when it returns, rolled back if it raises.

        On the writer thread: a transaction is there to write.
        """
        return await self._in_thread(
            self._writer, lambda c: work(c, *args, **kwargs), transaction=True
        )

    async def ping(self) -> None:
        """Run a trivial query; raises when the database cannot be used."""
        await self.run(select_one)

    async def dispose(self) -> None:
        self._readers.shutdown(wait=True)
        self._writer.shutdown(wait=True)
        self.engine.dispose()

    async def _in_thread(
        self,
        threads: ThreadPoolExecutor,
        work: Callable[[Connection], T],
        *,
        transaction: bool = False,
    ) -> T:
        def unit() -> T:
            with unavailability_named(), self.engine.connect() as connection:
                if not transaction:
                    return work(connection)
                # Out of autocommit for this connection only, until it returns to the pool.
                connection.execution_options(isolation_level=connection.default_isolation_level)
                with connection.begin():
                    return work(connection)

        job = threads.submit(unit)
        # Work still queued when the wait is over is withdrawn, and its client answered 503
        # at once; work that has started is always waited for, so its outcome is reported.
        withdraw = asyncio.get_running_loop().call_later(self._timeout, job.cancel)
        try:
            return await asyncio.wrap_future(job)
        except asyncio.CancelledError:
            # Withdrawn by the timer, unless this request itself is being cancelled.
            request = asyncio.current_task()
            if job.cancelled() and request is not None and not request.cancelling():
                raise DatabaseBusyError(
                    f"no database thread became free within {self._timeout} s"
                ) from None
            raise
        finally:
            withdraw.cancel()


def create_sqlite_engine(url: str, *, readers: int, synchronous: Synchronous) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # One connection per reader thread and one for the writer; a connection may serve any
    # of the threads in turn.
    engine = create_engine(
        url,
        pool_size=readers + 1,
        max_overflow=0,
        connect_args={"check_same_thread": False},
        isolation_level="AUTOCOMMIT",
    )

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, _record: Any) -> None:
        configure_sqlite_connection(dbapi_connection, synchronous=synchronous)

    return engine


def configure_sqlite_connection(dbapi_connection: Any, *, synchronous: Synchronous) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        # WAL lets readers proceed while one writer commits.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
