"""What SQLite does differently: how each connection is set up (what an acknowledged write
promises), the one thread that writes, how long a write waits for another process
that holds the file's write lock, and what a full disk does."""

import asyncio
import sqlite3
import threading
import time
from contextlib import closing
from typing import Any

import pytest
from sqlalchemy import Connection, event, select, text
from sqlalchemy.engine import make_url

from {{ cookiecutter.package_name }}.db import Database, DatabaseBusyError
from {{ cookiecutter.package_name }}.db import sqlite as sqlite_database
from {{ cookiecutter.package_name }}.factory import create_app
from {{ cookiecutter.package_name }}.models import DESCRIPTION_MAX_LENGTH, Task

from .database_sqlite_helpers import ONE_CONNECTION
from .held_connection import connection_held
from .helpers import TASKS_URL, make_settings, serve

pytestmark = pytest.mark.anyio

# What PRAGMA synchronous answers for each level.
NORMAL, FULL = 1, 2


def journal_and_synchronous(connection: Connection) -> tuple[str, int]:
    journal: str = connection.execute(text("PRAGMA journal_mode")).scalar_one()
    synchronous: int = connection.execute(text("PRAGMA synchronous")).scalar_one()
    return journal, synchronous


@pytest.mark.parametrize(
    ("overrides", "level"),
    [({}, FULL), ({"database_synchronous": "normal"}, NORMAL)],
    ids=["default-full", "normal"],
)
async def test_database_synchronous_sets_how_a_commit_reaches_the_disk(
    database_url: str, overrides: dict[str, object], level: int
) -> None:
    """By default a commit is flushed to disk before the write is acknowledged, so a 201
    survives a power cut; ``normal`` trades that for cheaper writes."""
    database = Database(make_settings(database_url, **overrides))
    try:
        assert await database.run(journal_and_synchronous) == ("wal", level)
    finally:
        await database.dispose()


# Milliseconds a write waits for the lock in the test below, instead of 5 s.
SHORT_BUSY_TIMEOUT_MS = 200


async def test_a_write_behind_another_process_lock_gets_503_and_reads_go_on(
    database_url: str, auth_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a backup tool or a `sqlite3` shell in a transaction does to the API: writes
    wait for its lock only so long, then are answered 503; readers are not blocked."""
    monkeypatch.setattr(sqlite_database, "SQLITE_BUSY_TIMEOUT_MS", SHORT_BUSY_TIMEOUT_MS)
    app = create_app(make_settings(database_url))
    async with serve(app, headers=auth_headers) as client:
        with closing(sqlite3.connect(make_url(database_url).database or "")) as other:
            other.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            refused = await client.post(TASKS_URL, json={"title": "Behind a lock"})
            waited = time.monotonic() - started
            listed = await client.get(TASKS_URL)
            other.rollback()
        created = await client.post(TASKS_URL, json={"title": "After the lock"})

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "5"
    assert refused.json() == {"detail": "Service temporarily unavailable"}
    assert SHORT_BUSY_TIMEOUT_MS / 1000 <= waited < 2
    assert listed.status_code == 200
    assert created.status_code == 201


def thread_name(_connection: Connection) -> str:
    return threading.current_thread().name


async def test_writes_queue_for_one_thread_of_their_own(database_url: str) -> None:
    """SQLite lets one connection at a time write: writers wait in order on one thread,
    not in SQLite's busy handler, and never on the threads that read."""
    database = Database(make_settings(database_url))
    try:
        writers = await asyncio.gather(*(database.write(thread_name) for _ in range(4)))
        readers = await asyncio.gather(*(database.run(thread_name) for _ in range(4)))
    finally:
        await database.dispose()

    assert len(set(writers)) == 1
    assert set(writers).isdisjoint(readers)


async def test_a_write_is_not_held_up_by_busy_reading_threads(database_url: str) -> None:
    settings = make_settings(database_url, **ONE_CONNECTION, database_pool_timeout=0.1)
    database = Database(settings)
    try:
        async with connection_held(database):
            written = await database.write(thread_name)
            with pytest.raises(DatabaseBusyError):
                await database.run(thread_name)
    finally:
        await database.dispose()

    assert written.startswith("sqlite-writer")


# SQLite's own bound on the pages of a file, and the value that caps a file at its size:
# max_page_count is never set below the pages the file already has.
NO_PAGE_LIMIT = 4_294_967_294
AT_ITS_SIZE = 1
# Creates before the capped file is full: its last pages may have room for a few.
MAX_CREATES_TO_FILL = 20


def without_free_pages(connection: Connection) -> None:
    """Rebuild the file without the pages that earlier tests' rows left free, so that the
    capped file has no room but what is left in its last pages."""
    connection.execute(text("VACUUM"))


def stored_task_ids(connection: Connection) -> set[int]:
    return set(connection.execute(select(Task.id)).scalars())


async def test_a_full_disk_refuses_writes_with_503_and_keeps_what_it_acknowledged(
    database_url: str, auth_headers: dict[str, str]
) -> None:
    """What a volume that runs out of space does to the API: SQLite cannot grow the file
    ("database or disk is full"), creates are answered 503, reads go on, no acknowledged
    task is lost, and creates succeed again once there is room."""
    page_limit = AT_ITS_SIZE

    # SQLite's page limit fails a write that needs a new page with the error of a full
    # disk (SQLITE_FULL). It belongs to a connection, so it is set at every check-out.
    def limit_the_file(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {page_limit}")

    app = create_app(make_settings(database_url))
    task = {"title": "Filling the disk", "description": "x" * DESCRIPTION_MAX_LENGTH}
    async with serve(app, headers=auth_headers) as client:
        database = app.state.database
        await database.write(without_free_pages)
        event.listen(database.engine, "checkout", limit_the_file)
        acknowledged = []
        for _ in range(MAX_CREATES_TO_FILL):
            last = await client.post(TASKS_URL, json=task)
            if last.status_code != 201:
                break
            acknowledged.append(last.json()["id"])
        listed = await client.get(TASKS_URL, params={"limit": 1})
        page_limit = NO_PAGE_LIMIT
        created = await client.post(TASKS_URL, json=task)
        stored = await database.run(stored_task_ids)

    assert last.status_code == 503, f"still 201 after {MAX_CREATES_TO_FILL} creates"
    assert last.headers["retry-after"] == "5"
    assert last.json() == {"detail": "Service temporarily unavailable"}
    assert listed.status_code == 200
    assert listed.json()["total"] == len(acknowledged)
    assert created.status_code == 201
    # Every acknowledged task is there, and nothing of the refused ones.
    assert stored == {*acknowledged, created.json()["id"]}
