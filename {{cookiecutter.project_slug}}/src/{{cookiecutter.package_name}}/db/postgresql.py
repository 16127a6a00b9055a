"""PostgreSQL, on the asyncpg driver through SQLAlchemy's asyncio bridge: no thread is involved."""

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings
from sqlalchemy import Connection, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool

from ..throttled_log import ThrottledWarning
from .errors import DatabaseBusyError, DatabaseUnavailableError

logger = logging.getLogger(__name__)

# PostgreSQL's error classes that mean "the database, not the query": 08 connection
# exception, 53 insufficient resources, 57 operator intervention (such as a shutdown).
OUTAGE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})
# The server's max_connections, or the role's or the database's CONNECTION LIMIT, reached.
TOO_MANY_CONNECTIONS = "53300"
# Seconds before a turn withdrawn when PostgreSQL refused a connection comes back, one turn
# at a time: at most one refused try a second while the server stays full.
RETURN_SECONDS = 1

P = ParamSpec("P")
T = TypeVar("T")


@contextmanager
def unavailability_named() -> Iterator[None]:
    """Turn the driver's many ways of saying "not now" into the two errors of ``errors``.

    Everything else, such as an integrity error, is the caller's to handle.
    """
    try:
        yield
    except PoolTimeoutError as error:
        raise DatabaseBusyError(str(error)) from error
    except OSError as error:
        # Connecting failed: refused, unreachable or timed out.
        raise DatabaseUnavailableError(str(error)) from error
    except DBAPIError as error:
        if is_outage(error):
            raise DatabaseUnavailableError(str(error)) from error
        raise


def is_outage(error: DBAPIError) -> bool:
    """Whether the database, not the query, failed: a lost connection, a server shutting
    down or starting up, too many connections."""
    if error.connection_invalidated or isinstance(error, OperationalError):
        return True
    return sqlstate_of(error)[:2] in OUTAGE_SQLSTATE_CLASSES


def sqlstate_of(error: DBAPIError) -> str:
    return getattr(error.orig, "sqlstate", None) or ""


def select_one(connection: Connection) -> None:
    connection.execute(text("SELECT 1"))


# Replicas that start together (each container runs `alembic upgrade head` before serving)
# must not migrate together: two transactions creating the same table on an empty database
# collide in PostgreSQL's catalogs ("duplicate key value violates unique constraint
# pg_type_typname_nsp_index"), and the loser fails to start. So every run first takes this
# transaction-level advisory lock: the runs take turns, and each one after the first finds
# the schema at head and changes nothing. PostgreSQL releases the lock at commit or
# rollback, even when the process dies. Advisory locks belong to one database, and the
# key is fixed per project (its package name): another application sharing the database
# does not wait.
MIGRATIONS_LOCK_KEY = int.from_bytes(
    hashlib.blake2b(f"{__name__.partition('.')[0]}:migrations".encode(), digest_size=8).digest(),
    "big",
    signed=True,
)


def begin_migrations(connection: Connection) -> None:
    """Lift the statement time-out, then wait until no other run of the migrations is in
    progress: both until this transaction ends.

    Building an index on a large table may take minutes, and so may the wait of a replica
    behind another one's migrations; the application's own statements keep their time-out.
    """
    connection.execute(text("SET LOCAL statement_timeout = 0"))
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATIONS_LOCK_KEY})


class Turns:
    """Turns to use one of ``count`` connections, handed out first come, first served; a turn
    not given within ``timeout`` seconds raises ``DatabaseBusyError``.

    A turn can be withdrawn by its holder (``exchange``): fewer then circulate, and the
    withdrawn ones come back one per ``RETURN_SECONDS``, or sooner through ``give_back_one``.
    """

    def __init__(self, count: int, *, timeout: float) -> None:
        self._semaphore = asyncio.Semaphore(count)
        self._timeout = timeout
        self._withdrawn = 0
        self._return_timer: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> None:
        await self._take()

    async def __aexit__(self, *_exc_info: object) -> None:
        self._semaphore.release()

    async def exchange(self) -> None:
        """Withdraw the caller's turn and wait for another, within the same time-out.

        The caller keeps holding one turn either way: its exit gives back the new one, and
        the withdrawn one comes back later.
        """
        self._withdrawn += 1
        self._schedule_return()
        try:
            await self._take()
        except BaseException:
            # No new turn (a time-out, or the request was cancelled): the caller's exit
            # gives back the one it had, which is then no longer withdrawn.
            self._withdrawn -= 1
            raise

    def give_back_one(self) -> None:
        """Put one withdrawn turn back into circulation, if any is withdrawn."""
        if self._withdrawn:
            self._withdrawn -= 1
            self._semaphore.release()

    async def _take(self) -> None:
        if not self._semaphore.locked():
            # A turn is free: taken at once, without a timer to set up and cancel.
            await self._semaphore.acquire()
            return
        try:
            async with asyncio.timeout(self._timeout):
                await self._semaphore.acquire()
        except TimeoutError:
            raise DatabaseBusyError(
                f"no database connection became free within {self._timeout} s"
            ) from None

    def _schedule_return(self) -> None:
        if self._return_timer is None:
            loop = asyncio.get_running_loop()
            self._return_timer = loop.call_later(RETURN_SECONDS, self._return_one)

    def _return_one(self) -> None:
        self._return_timer = None
        self.give_back_one()
        if self._withdrawn:
            self._schedule_return()


# Seconds past the statement time-out before a unit of work gives up on the server itself,
# so that PostgreSQL's own cancellation, which keeps the connection, comes first.
DEADLINE_GRACE_SECONDS = 1

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
    # Seconds a statement may take, waiting for locks included, before PostgreSQL cancels
    # it and the request is answered 503. 0 sets none (the role's or the database's own
    # statement_timeout applies). The migrations run without it.
    database_statement_timeout: float = Field(default=5, ge=0, le=3_600)

    @field_validator("database_url")
    @classmethod
    def normalise_database_url(cls, url: str) -> str:
        for scheme in POSTGRESQL_SCHEMES:
            if url.startswith(scheme):
                return "postgresql+asyncpg://" + url.removeprefix(scheme)
        raise ValueError("expected a postgresql://user:password@host:5432/database URL")


def connect_arguments(settings: DatabaseSettings) -> dict[str, Any]:
    """asyncpg's arguments for each new connection."""
    arguments: dict[str, Any] = {"timeout": settings.database_connect_timeout}
    if settings.database_statement_timeout:
        # PostgreSQL's own time-out, in milliseconds: it cancels the statement and keeps the
        # connection. Without it, the role's or the database's own setting applies.
        # At least 1: PostgreSQL reads 0 as no time-out at all.
        timeout_ms = max(1, round(settings.database_statement_timeout * 1_000))
        arguments["server_settings"] = {"statement_timeout": str(timeout_ms)}
    return arguments


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
            connect_args=connect_arguments(settings),
            isolation_level="AUTOCOMMIT",
        )
        # A server that stops answering altogether (a hung host, a network that drops packets)
        # cancels nothing: past this deadline the request gives up on it, and the connection
        # is closed (by SQLAlchemy, which allows it 2 s to close gracefully).
        self._deadline = (
            settings.database_statement_timeout + DEADLINE_GRACE_SECONDS
            if settings.database_statement_timeout
            else None
        )
        # The pool does not serve its waiters in order: a connection given back goes to
        # whoever asks next, and under steady load that is usually a request just arrived,
        # not the one woken for it, which then waits again at the back of the queue. A
        # request could be passed over until its wait ran out (503) while later ones were
        # served. So each unit of work first takes a turn here, first come, first served
        # (asyncio's semaphore), one turn per connection: the pool then always has one free.
        self._turns = Turns(
            settings.database_pool_size + settings.database_max_overflow,
            timeout=settings.database_pool_timeout,
        )
        # A connection opened: the server may have room for more, see `_connect`.
        event.listen(self.engine.sync_engine, "connect", self._connection_opened)
        self._refused_warning = ThrottledWarning(logger)

    async def run(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` on a connection where every statement commits on its own.

        Work that outlasts the statement time-out by a second (a unit of work is a statement
        or two) raises ``DatabaseUnavailableError``, and its connection is replaced.
        """

        def returned_after(connection: Connection) -> T:
            # The connection goes back to the pool at the end of the work, in its greenlet. The
            # asyncio bridge runs each call it is awaited for in a greenlet of its own, and
            # check-out, work and check-in would cost three (the separate close cost 6-13% of a
            # get's unit of work, in process). Nor is `async with` needed, whose exit closes in a
            # task of its own behind `asyncio.shield`: in autocommit no transaction is open, so
            # giving the connection back sends nothing that a cancelled request could cut short.
            # (Only an overflow connection is closed with a round trip; if that is cancelled, the
            # connection is dropped, not returned half-closed.)
            try:
                return work(connection, *args, **kwargs)
            finally:
                connection.close()

        async with self._turns:
            with unavailability_named():
                connection = await self._connect()
                try:
                    async with asyncio.timeout(self._deadline):
                        return await connection.run_sync(returned_after)
                except TimeoutError:
                    raise DatabaseUnavailableError(
                        f"no answer from the database within {self._deadline:g} s"
                    ) from None

    async def write(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Like ``run``, for work that writes. The same on PostgreSQL, which lets many
        connections write at once (a SQLite file lets one)."""
        return await self.run(work, *args, **kwargs)

    async def run_in_transaction(
        self, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work`` in one transaction: committed when it returns, rolled back if it raises.

        Without the deadline of ``run``: the migrations run this way, for as long as they take.
        """
        async with self._turns:
            with unavailability_named():
                connection = await self._connect()
                try:
                    # Out of autocommit for this connection only, until it returns to the pool.
                    await connection.execution_options(
                        isolation_level=connection.default_isolation_level
                    )
                    async with connection.begin():
                        return await connection.run_sync(work, *args, **kwargs)
                finally:
                    # Shielded, as `async with` would: a cancelled request still closes it.
                    await asyncio.shield(connection.close())

    async def _connect(self) -> AsyncConnection:
        """A connection from the pool, for the holder of a turn.

        When PostgreSQL refuses to open one more ("too many connections": its
        max_connections, or the role's CONNECTION LIMIT, reached), the request waits for
        one of the connections already open instead of failing: its turn is withdrawn, so
        that the turns in circulation match the connections the server allowed, and it
        takes another. Withdrawn turns come back one per second, and at once while new
        connections open, so the pool grows again when the server has room.
        """
        while True:
            try:
                return await self.engine.connect()
            except DBAPIError as error:
                if sqlstate_of(error) != TOO_MANY_CONNECTIONS:
                    raise
                open_connections = self._open_connections()
                if not open_connections:
                    # Nothing to wait for: the server refuses this process every connection.
                    raise
                self._refused_warning.warn(
                    "PostgreSQL refused a new connection (%s); "
                    "requests wait for the %d connections open",
                    error.orig,
                    open_connections,
                )
            # A turn taken at once (more turns than connections still circulate) finds no
            # idle connection either: each round withdraws one more, until the request
            # waits for a turn given back with its connection.
            await self._turns.exchange()

    def _open_connections(self) -> int:
        pool = cast(QueuePool, self.engine.pool)
        return pool.checkedin() + pool.checkedout()

    def _connection_opened(self, *_arguments: object) -> None:
        self._turns.give_back_one()

    async def ping(self) -> None:
        """Run a trivial query; raises when the database cannot be reached."""
        await self.run(select_one)

    async def dispose(self) -> None:
        await self.engine.dispose()
