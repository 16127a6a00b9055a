"""How every SQLite connection is set up: what an acknowledged write promises."""

import pytest
from sqlalchemy import Connection, text

from {{ cookiecutter.package_name }}.db import Database

from .helpers import make_settings

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
