"""How every SQLite connection is set up: what an acknowledged write promises, and how
long a write waits for another process that holds the file's write lock."""

import sqlite3
import time
from contextlib import closing

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from {{ cookiecutter.package_name }}.db import Database
from {{ cookiecutter.package_name }}.db import sqlite as sqlite_database
from {{ cookiecutter.package_name }}.factory import create_app

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
