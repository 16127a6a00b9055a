"""Alembic owns the schema: the migrations must produce exactly what the models describe."""

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from {{ cookiecutter.package_name }}.models import Base

from .helpers import BlockingDatabase, alembic_config


def differences(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def tables_after(connection: Connection, revision: str) -> set[str]:
    if revision == "base":
        command.downgrade(alembic_config(connection), revision)
    else:
        command.upgrade(alembic_config(connection), revision)
    return set(inspect(connection).get_table_names())


def test_models_and_migrations_agree(database: BlockingDatabase) -> None:
    assert database.run(differences) == []


def test_migrations_downgrade_to_nothing_and_back(database: BlockingDatabase) -> None:
    tables = set(Base.metadata.tables)
    assert database.run_in_transaction(tables_after, "base") & tables == set()
    assert tables <= database.run_in_transaction(tables_after, "head")
