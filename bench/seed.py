"""The benchmark's database: the same seeded tasks for every app, written with SQL.

Rows are written with plain SQL (sqlite3 from the standard library, psql for PostgreSQL),
not through an app, so seeding does not depend on any app's code or driver.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from project import run_command

# Tasks seeded unless --tasks says otherwise.
DEFAULT_TASKS = 1_000
# Rows per INSERT statement: a script of any size stays made of statements of modest size.
ROWS_PER_INSERT = 1_000
STATUSES = ("pending", "in_progress", "completed", "cancelled")
SEED_START = datetime(2025, 1, 1, tzinfo=UTC)
TASK_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "created_at",
    "updated_at",
)
POSTGRES_USER = "postgres"
PSQL_TIMEOUT_SECONDS = 120

SqlValue = str | int | datetime | None


class Database(Protocol):
    """Where the apps keep their tasks; the benchmark writes to it with SQL only."""

    @property
    def url(self) -> str:
        """A plain URL the generated settings accept: sqlite:///path or postgresql://..."""
        ...

    def execute(self, script: str) -> None: ...

    def timestamp(self, value: datetime) -> str:
        """A timestamp literal stored the way the apps' SQLAlchemy column type stores it."""
        ...


@dataclass(frozen=True)
class SqliteDatabase:
    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def execute(self, script: str) -> None:
        # The apps may hold the file open; their busy timeout covers this short write.
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            connection.executescript(script)
        finally:
            connection.close()

    def timestamp(self, value: datetime) -> str:
        # SQLite has no timezone: SQLAlchemy stores naive UTC in this text format.
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class PostgresDatabase:
    psql: Path
    host: str
    port: int
    name: str

    @property
    def url(self) -> str:
        return f"postgresql://{POSTGRES_USER}@{self.host}:{self.port}/{self.name}"

    def execute(self, script: str) -> None:
        connection = ["-h", self.host, "-p", str(self.port), "-U", POSTGRES_USER, "-d", self.name]
        command = [self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", *connection]
        run_command(command, Path.cwd(), input_text=script, timeout=PSQL_TIMEOUT_SECONDS)

    def timestamp(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat()


def get_ids(tasks: int) -> tuple[int, ...]:
    """The ten seeded ids the `get` endpoint cycles over: spread over the table, all present."""
    return tuple(range(1, tasks + 1, max(1, tasks // 10)))


def seeded_task(number: int) -> dict[str, SqlValue]:
    """Task `number` (1-based) of the seed: the same values on every run and database."""
    created_at = SEED_START + timedelta(minutes=number)
    return {
        "id": number,
        "title": f"Seeded task {number:04d}",
        "description": None if number % 2 else f"Benchmark row {number}, seeded before the runs.",
        "status": STATUSES[number % len(STATUSES)],
        "priority": number % 5 + 1,
        "due_date": None if number % 3 else created_at + timedelta(days=7),
        "created_at": created_at,
        "updated_at": created_at,
    }


def literal(database: Database, value: SqlValue) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        value = database.timestamp(value)
    return "'" + value.replace("'", "''") + "'"


def seed_script(database: Database, tasks: int, owner_id: int | None) -> str:
    """One transaction inserting tasks 1 to `tasks` (owned by owner_id with auth=jwt)."""
    columns = [*TASK_COLUMNS, *(["owner_id"] if owner_id is not None else [])]
    head = f"INSERT INTO tasks ({', '.join(columns)}) VALUES\n"
    inserts = []
    for first in range(1, tasks + 1, ROWS_PER_INSERT):
        rows = []
        for number in range(first, min(first + ROWS_PER_INSERT, tasks + 1)):
            values = [*seeded_task(number).values(), *([owner_id] if owner_id is not None else [])]
            rows.append("(" + ", ".join(literal(database, value) for value in values) + ")")
        inserts.append(head + ",\n".join(rows) + ";\n")
    return f"BEGIN;\n{''.join(inserts)}{after_insert_script(database, tasks)}COMMIT;\n"


def after_insert_script(database: Database, tasks: int) -> str:
    """PostgreSQL only: explicit ids leave its sequence behind, so move it past them; and
    fresh statistics, as autovacuum would gather before long, so that the planner of the
    first runs does not take a table of 100,000 rows for an empty one."""
    if isinstance(database, PostgresDatabase):
        return f"SELECT setval(pg_get_serial_sequence('tasks', 'id'), {tasks});\nANALYZE tasks;\n"
    return ""


def seed(database: Database, tasks: int, owner_id: int | None = None) -> None:
    database.execute(seed_script(database, tasks, owner_id))


def remove_created(database: Database, tasks: int) -> None:
    """Delete the rows that create runs added, so every list run reads the same table."""
    database.execute(f"DELETE FROM tasks WHERE id > {tasks:d};")  # noqa: S608 - a number
