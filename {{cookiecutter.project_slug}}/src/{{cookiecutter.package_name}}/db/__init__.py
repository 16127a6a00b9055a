"""The database, and the one way the application talks to it: units of work.

A unit of work is a plain function of a SQLAlchemy ``Connection`` (the repositories are
made of them). ``Database.run`` executes one without blocking the event loop, and
``Database.write`` one that writes; how, is the chosen database's module's business.

Connections are in autocommit mode: every statement commits on its own, so a request
costs only its queries, without a BEGIN before them and a ROLLBACK when the connection
goes back to the pool. Writes are single statements (``INSERT ... RETURNING`` and
friends); ``run_in_transaction`` is there for work that needs several at once.
"""

from .errors import DatabaseBusyError, DatabaseUnavailableError
from .{{ cookiecutter.database }} import (
    DEFAULT_DATABASE_URL,
    Database,
    DatabaseSettings,
    begin_migrations,
)

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Database",
    "DatabaseBusyError",
    "DatabaseSettings",
    "DatabaseUnavailableError",
    "begin_migrations",
]
