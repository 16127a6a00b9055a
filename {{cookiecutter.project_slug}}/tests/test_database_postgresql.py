"""Lost connections, statements kept waiting, connections refused: a 503 or a wait, then
served again."""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, text

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.db import Database, DatabaseBusyError, DatabaseUnavailableError
from {{ cookiecutter.package_name }}.db.postgresql import DEADLINE_GRACE_SECONDS, RETURN_SECONDS
from {{ cookiecutter.package_name }}.factory import create_app

from .database_postgresql_helpers import (
    ONE_CONNECTION,
    LimitedRole,
    connections_of_this_role,
    hold_connection,
)
from .held_connection import connection_held
from .helpers import TASKS_URL, BlockingDatabase, make_settings, serve

pytestmark = pytest.mark.anyio

STATEMENT_TIMEOUT_SECONDS = 0.5


def backend_pid(connection: Connection) -> int:
    pid: int = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return pid


def terminate(connection: Connection, pid: int) -> bool:
    """What a database restart or a failover does to a connection of the application."""
    statement = text("SELECT pg_terminate_backend(:pid)")
    terminated: bool = connection.execute(statement, {"pid": pid}).scalar_one()
    return terminated


async def test_lost_connections_are_one_503_then_replaced(
    one_connection_app: FastAPI, auth_headers: dict[str, str], database: BlockingDatabase
) -> None:
    async with serve(one_connection_app, headers=auth_headers) as client:
        pid = await one_connection_app.state.database.run(backend_pid)
        assert database.run(terminate, pid)
        lost = await client.get(TASKS_URL)
        replaced = await client.get(TASKS_URL)

    # The request on the dead connection cannot be answered; SQLAlchemy then discards the
    # pool's stale connections, so the next request connects afresh. No ping per request.
    assert lost.status_code == 503
    assert lost.headers["retry-after"] == "5"
    assert replaced.status_code == 200


@pytest.fixture
def short_timeout_settings(database_url: str) -> Settings:
    """One connection, whose statements PostgreSQL cancels after STATEMENT_TIMEOUT_SECONDS."""
    return make_settings(
        database_url, **ONE_CONNECTION, database_statement_timeout=STATEMENT_TIMEOUT_SECONDS
    )


def lock_the_tasks(
    connection: Connection, acquired: threading.Event, released: threading.Event
) -> None:
    """What a migration or a long transaction does: keep the tasks locked until released."""
    connection.execute(text("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE"))
    hold_connection(connection, acquired, released)


async def test_a_statement_kept_waiting_is_cancelled_with_503_and_its_connection_kept(
    short_timeout_settings: Settings, auth_headers: dict[str, str], database: BlockingDatabase
) -> None:
    app = create_app(short_timeout_settings)
    acquired, released = threading.Event(), threading.Event()
    async with serve(app, headers=auth_headers) as client:
        pid = await app.state.database.run(backend_pid)
        locker = asyncio.create_task(
            asyncio.to_thread(database.run_in_transaction, lock_the_tasks, acquired, released)
        )
        assert await asyncio.to_thread(acquired.wait, timeout=5)
        try:
            started = time.monotonic()
            kept_waiting = await client.get(TASKS_URL)
            waited = time.monotonic() - started
        finally:
            released.set()
        await asyncio.wait_for(locker, timeout=10)
        served = await client.get(TASKS_URL)
        pid_after = await app.state.database.run(backend_pid)

    assert kept_waiting.status_code == 503
    assert kept_waiting.headers["retry-after"] == "5"
    assert kept_waiting.json() == {"detail": "Service temporarily unavailable"}
    # PostgreSQL cancelled the statement: the application's own deadline comes later.
    assert STATEMENT_TIMEOUT_SECONDS <= waited < STATEMENT_TIMEOUT_SECONDS + DEADLINE_GRACE_SECONDS
    # The cancelled statement's connection serves the next request.
    assert served.status_code == 200
    assert pid_after == pid


def outlast_the_deadline(connection: Connection) -> None:
    """Work that PostgreSQL lets run on, as a server that stopped answering would."""
    connection.execute(text("SET statement_timeout = 0"))
    connection.execute(text("SELECT pg_sleep(10)"))


async def test_a_database_that_does_not_answer_is_given_up_on_and_the_connection_replaced(
    short_timeout_settings: Settings,
) -> None:
    database = Database(short_timeout_settings)
    try:
        pid = await database.run(backend_pid)
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailableError, match="no answer from the database"):
            await database.run(outlast_the_deadline)
        gave_up_after = time.monotonic() - started
        pid_after = await database.run(backend_pid)
    finally:
        await database.dispose()

    # Given up on by the application's own deadline, long before the statement would end.
    assert gave_up_after >= STATEMENT_TIMEOUT_SECONDS + DEADLINE_GRACE_SECONDS
    # A connection with a statement still running cannot serve again: it is replaced.
    assert pid_after != pid


@pytest.fixture
def limited_role(database_url: str, database: BlockingDatabase) -> Iterator[LimitedRole]:
    role = LimitedRole.create(database, database_url)
    yield role
    role.drop()


async def run_together(database: Database, work: Callable[[Connection], int]) -> list[int]:
    """Ten units of work at once: twice the connections of the pool."""
    return await asyncio.gather(*(database.run(work) for _ in range(10)))


async def test_a_full_server_makes_requests_wait_for_the_open_connections(
    limited_role: LimitedRole, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL at max_connections refuses a new connection; the requests that needed one
    are served on the connections already open, and the pool grows again once it may."""
    limited_role.allow(2)
    database = Database(make_settings(limited_role.url, database_pool_size=5))
    try:
        refused = await run_together(database, connections_of_this_role)
        limited_role.allow(None)
        # Past that time a withdrawn turn comes back; each new connection brings another.
        await asyncio.sleep(RETURN_SECONDS + 0.2)
        allowed = await run_together(database, connections_of_this_role)
    finally:
        await database.dispose()

    assert max(refused) == 2
    assert "PostgreSQL refused a new connection" in caplog.text
    assert max(allowed) > 2


async def test_a_request_refused_a_connection_waits_for_a_busy_one(
    limited_role: LimitedRole,
) -> None:
    """With fewer requests than the pool's turns: the turns left over lead to no connection."""
    limited_role.allow(2)
    database = Database(make_settings(limited_role.url, database_pool_size=5))
    try:
        async with connection_held(database), connection_held(database):
            waiting = asyncio.create_task(database.run(connections_of_this_role))
            await asyncio.sleep(0.2)
            waited = not waiting.done()
        served = await waiting
    finally:
        await database.dispose()

    assert waited
    assert served == 2


async def test_a_wait_for_an_open_connection_is_bounded_by_the_pool_timeout(
    limited_role: LimitedRole,
) -> None:
    limited_role.allow(1)
    settings = make_settings(limited_role.url, database_pool_size=2, database_pool_timeout=0.2)
    database = Database(settings)
    try:
        async with connection_held(database):
            with pytest.raises(DatabaseBusyError):
                await database.run(connections_of_this_role)
        # The turn of the request that gave up is back: two requests are served again,
        # one after the other on the open connection.
        served = await asyncio.gather(*(database.run(connections_of_this_role) for _ in range(2)))
    finally:
        await database.dispose()

    assert served == [1, 1]


async def test_a_server_that_refuses_every_connection_is_a_503_at_once(
    limited_role: LimitedRole,
) -> None:
    limited_role.allow(0)
    database = Database(make_settings(limited_role.url))
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailableError, match="too many connections"):
            await database.run(connections_of_this_role)
        refused_after = time.monotonic() - started
    finally:
        await database.dispose()

    # No connection is open to wait for.
    assert refused_after < 1
