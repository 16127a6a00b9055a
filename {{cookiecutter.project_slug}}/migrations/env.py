"""Alembic environment: runs migrations with the application's own settings and engine."""

import asyncio
{%- if cookiecutter.database == "postgresql" %}
import hashlib
{%- endif %}
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection{% if cookiecutter.database == "postgresql" %}, text{% endif %}

from {{ cookiecutter.package_name }}.config import get_settings
from {{ cookiecutter.package_name }}.db import Database
from {{ cookiecutter.package_name }}.models import Base

config = context.config
target_metadata = Base.metadata

# Callers that configure logging themselves (the test suite) set this to False.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
{%- if cookiecutter.database == "postgresql" %}

# Replicas that start together (each container runs `alembic upgrade head` before serving)
# must not migrate together: two transactions creating the same table on an empty database
# collide in PostgreSQL's catalogs ("duplicate key value violates unique constraint
# pg_type_typname_nsp_index"), and the loser fails to start. So every run first takes this
# transaction-level advisory lock: the runs take turns, and each one after the first finds
# the schema at head and changes nothing. PostgreSQL releases the lock at commit or
# rollback, even when the process dies. Advisory locks belong to one database, and the
# key is fixed per project: another application sharing the database does not wait.
MIGRATIONS_LOCK_KEY = int.from_bytes(
    hashlib.blake2b(b"{{ cookiecutter.package_name }}:migrations", digest_size=8).digest(),
    "big",
    signed=True,
)
{%- endif %}


def run_migrations_offline() -> None:
    """Emit the SQL to stdout instead of running it (``alembic upgrade head --sql``)."""
    context.configure(
        url=get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    # Batch mode lets ALTER-style operations work on SQLite by copying the table.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
{%- if cookiecutter.database == "postgresql" %}
        # Before Alembic reads the current revision: a run that waited reads it afresh.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATIONS_LOCK_KEY})
{%- endif %}
        context.run_migrations()


async def run_on_database() -> None:
    # The application's own database layer, so migrations use the same driver and settings.
    database = Database(get_settings())
    try:
        await database.run_in_transaction(run_on)
    finally:
        await database.dispose()


def run_migrations_online() -> None:
    # Callers that already hold a connection (the test suite) hand it over.
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
    else:
        asyncio.run(run_on_database())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
