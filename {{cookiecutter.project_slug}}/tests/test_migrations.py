"""Alembic owns the schema: the migrations must produce exactly what the models describe."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from {{ cookiecutter.package_name }}.models import Base

from .conftest import alembic_config


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migrations_downgrade_to_nothing_and_back(engine: Engine) -> None:
    tables = set(Base.metadata.tables)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
        assert set(inspect(connection).get_table_names()) & tables == set()
        command.upgrade(alembic_config(connection), "head")
        assert tables <= set(inspect(connection).get_table_names())
