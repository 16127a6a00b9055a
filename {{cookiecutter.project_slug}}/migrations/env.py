"""Alembic environment: runs migrations with the application's own settings and engine."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from {{ cookiecutter.package_name }}.config import get_settings
from {{ cookiecutter.package_name }}.db import Database, begin_migrations
from {{ cookiecutter.package_name }}.models import Base

config = context.config
target_metadata = Base.metadata

# Callers that configure logging themselves (the test suite) set this to False.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


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
        # Before Alembic reads the current revision: a run that waited reads it afresh.
        begin_migrations(connection)
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
