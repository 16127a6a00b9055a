"""The database, and the one way the application talks to it: units of work.

A unit of work is a plain function of a SQLAlchemy ``Connection`` (the repositories are
made of them). ``Database.run`` executes one without blocking the event loop:
{%- if cookiecutter.database == "postgresql" %}
on the asyncpg driver, through SQLAlchemy's asyncio bridge, so no thread is involved.
{%- else %}
SQLite has no asynchronous driver worth its cost (aiosqlite hops to a thread for every
call: measured five times slower per query), so the whole unit runs in one hop on a
small pool of threads of its own.
{%- endif %}

Connections are in autocommit mode: every statement commits on its own, so a request
costs only its queries, without a BEGIN before them and a ROLLBACK when the connection
goes back to the pool. Writes are single statements (``INSERT ... RETURNING`` and
friends); ``run_in_transaction`` is there for work that needs several at once.
"""

{% if cookiecutter.database == "sqlite" -%}
import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
{%- else -%}
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, TypeVar

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
{%- endif %}

{% if cookiecutter.database == "sqlite" -%}
# Milliseconds a SQLite writer waits for a competing writer (another process) to finish.
SQLITE_BUSY_TIMEOUT_MS = 5_000
{%- else -%}
# PostgreSQL's error classes that mean "the database, not the query": 08 connection
# exception, 53 insufficient resources, 57 operator intervention (such as a shutdown).
OUTAGE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})
{%- endif %}

P = ParamSpec("P")
T = TypeVar("T")


class DatabaseUnavailableError(Exception):
    """The database cannot be reached, or the connection broke: answered 503."""


class DatabaseBusyError(Exception):
    """No connection became free within ``DATABASE_POOL_TIMEOUT`` seconds: answered 503."""


@contextmanager
def unavailability_named() -> Iterator[None]:
    """Turn the driver's many ways of saying "not now" into the two errors above.

    Everything else, such as an integrity error, is the caller's to handle.
    """
    try:
        yield
{%- if cookiecutter.database == "postgresql" %}
    except PoolTimeoutError as error:
        raise DatabaseBusyError(str(error)) from error
    except OSError as error:
        # Connecting failed: refused, unreachable or timed out.
        raise DatabaseUnavailableError(str(error)) from error
{%- endif %}
    except DBAPIError as error:
        if is_outage(error):
            raise DatabaseUnavailableError(str(error)) from error
        raise


def is_outage(error: DBAPIError) -> bool:
{%- if cookiecutter.database == "postgresql" %}
    """Whether the database, not the query, failed: a lost connection, a server shutting
    down or starting up, too many connections."""
    if error.connection_invalidated or isinstance(error, OperationalError):
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return sqlstate[:2] in OUTAGE_SQLSTATE_CLASSES
{%- else %}
    """Whether the database, not the query, failed: a file that cannot be opened, a disk
    that is full, a lock another process did not release in time."""
    return error.connection_invalidated or isinstance(error, OperationalError)
{%- endif %}


def select_one(connection: Connection) -> None:
    connection.execute(text("SELECT 1"))
{%- if cookiecutter.database == "postgresql" %}


DEFAULT_DATABASE_URL = "postgresql+asyncpg://app:app@localhost:5432/app"
# Accepted for PostgreSQL, and rewritten to the asyncpg driver the application uses.
POSTGRESQL_SCHEMES = (
    "postgresql+asyncpg://",
    "postgresql+psycopg://",
    "postgresql://",
    "postgres://",
)


class DatabaseSettings(BaseSettings):
    database_url: str = DEFAULT_DATABASE_URL
    # Connections per process, and how many more it may open under load. Overflow
    # connections are closed as soon as they are idle, so under steady load they are
    # opened and closed again and again: size the pool, keep the overflow for bursts.
    database_pool_size: int = Field(default=20, ge=1, le=100)
    database_max_overflow: int = Field(default=0, ge=0, le=100)
    # Seconds to establish a new connection before the database counts as unreachable.
    database_connect_timeout: float = Field(default=5, gt=0, le=60)
    # Seconds a request waits for a free connection before it is answered 503.
    database_pool_timeout: float = Field(default=5, gt=0, le=60)

    @field_validator("database_url")
    @classmethod
    def normalise_database_url(cls, url: str) -> str:
        for scheme in POSTGRESQL_SCHEMES:
            if url.startswith(scheme):
                return "postgresql+asyncpg://" + url.removeprefix(scheme)
        raise ValueError("expected a postgresql://user:password@host:5432/database URL")


class Database:
    """A pool of asyncpg connections, and the units of work run on them."""

    def __init__(self, settings: DatabaseSettings) -> None:
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
            isolation_level="AUTOCOMMIT",
        )

    async def run(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` on a connection where every statement commits on its own."""
        with unavailability_named():
            async with self.engine.connect() as connection:
                return await connection.run_sync(work, *args, **kwargs)

    async def run_in_transaction(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` in one transaction: committed when it returns, rolled back if it raises."""
        with unavailability_named():
            async with self.engine.connect() as connection:
                # Out of autocommit for this connection only, until it returns to the pool.
                await connection.execution_options(
                    isolation_level=connection.default_isolation_level
                )
                async with connection.begin():
                    return await connection.run_sync(work, *args, **kwargs)

    async def ping(self) -> None:
        """Run a trivial query; raises when the database cannot be reached."""
        await self.run(select_one)

    async def dispose(self) -> None:
        await self.engine.dispose()
{%- else %}


DEFAULT_DATABASE_URL = "sqlite:///./data/app.db"


class DatabaseSettings(BaseSettings):
    database_url: str = DEFAULT_DATABASE_URL
    # Threads per process that run the queries, each with its connection. More threads
    # only add contention for the interpreter: SQLite answers in microseconds.
    database_pool_size: int = Field(default=2, ge=1, le=100)
    # Seconds a request waits for a free connection before it is answered 503.
    database_pool_timeout: float = Field(default=5, gt=0, le=60)

    @field_validator("database_url")
    @classmethod
    def normalise_database_url(cls, url: str) -> str:
        if url.startswith("sqlite:///"):
            return url
        raise ValueError("expected a sqlite:///path/to/file.db URL")


class Database:
    """A SQLite file, and a pool of threads that run the units of work on it."""

    def __init__(self, settings: DatabaseSettings) -> None:
        self.engine = create_sqlite_engine(settings.database_url, settings.database_pool_size)
        self._threads = ThreadPoolExecutor(settings.database_pool_size, "sqlite")
        self._timeout = settings.database_pool_timeout

    async def run(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` on a connection where every statement commits on its own."""
        return await self._in_thread(lambda c: work(c, *args, **kwargs))

    async def run_in_transaction(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` in one transaction: committed when it returns, rolled back if it raises."""
        return await self._in_thread(lambda c: work(c, *args, **kwargs), transaction=True)

    async def ping(self) -> None:
        """Run a trivial query; raises when the database cannot be used."""
        await self.run(select_one)

    async def dispose(self) -> None:
        self._threads.shutdown(wait=True)
        self.engine.dispose()

    async def _in_thread(self, work: Callable[[Connection], T], *, transaction: bool = False) -> T:
        def unit() -> T:
            with unavailability_named(), self.engine.connect() as connection:
                if not transaction:
                    return work(connection)
                # Out of autocommit for this connection only, until it returns to the pool.
                connection.execution_options(isolation_level=connection.default_isolation_level)
                with connection.begin():
                    return work(connection)

        job = self._threads.submit(unit)
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


def create_sqlite_engine(url: str, threads: int) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # One connection per thread; a connection may serve any of the threads in turn.
    engine = create_engine(
        url,
        pool_size=threads,
        max_overflow=0,
        connect_args={"check_same_thread": False},
        isolation_level="AUTOCOMMIT",
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
