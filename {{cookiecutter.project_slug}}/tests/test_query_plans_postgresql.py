"""Query plans: a page of the list is read from an index, not sorted out of every row.

A page that PostgreSQL must sort out of every matching row costs as much as the table
is large (40 ms per page at 100,000 tasks), however fast it looks on a small table.
"""

import re

import pytest
from httpx2 import AsyncClient
from sqlalchemy import Connection, text

from {{ cookiecutter.package_name }}.models import Task
from {{ cookiecutter.package_name }}.repository import page_statements
from {{ cookiecutter.package_name }}.schemas import SortOrder, TaskSortField

from .helpers import BlockingDatabase, create_task

pytestmark = pytest.mark.anyio

# Enough rows that reading 20 of them from an index beats reading them all.
TASKS = 1_000
# A plan node that sorts its whole input ("Incremental Sort" only sorts rows of equal keys).
FULL_SORT = re.compile(r"^\s*(->\s+)?Sort\s+\(")


def copy_the_task(connection: Connection, copies: int) -> None:
    """Fill the table from its one task: ``copies`` more, each a second older, then let the
    planner know how many rows there are."""
    names = [column.name for column in Task.__table__.c if column.name != "id"]
    columns = ", ".join(names)
    older = ", ".join(
        "created_at - make_interval(secs => step)" if name == "created_at" else name
        for name in names
    )
    connection.execute(
        text(
            f"INSERT INTO tasks ({columns}) "  # noqa: S608 - the model's own column names
            f"SELECT {older} FROM tasks, generate_series(1, :copies) AS step"
        ),
        {"copies": copies},
    )
    connection.execute(text("ANALYZE tasks"))


def plan_of_the_first_page(connection: Connection) -> list[str]:
    """How PostgreSQL reads the first page of the default list: the newest tasks first."""
    _count, page = page_statements(TaskSortField.CREATED_AT, SortOrder.DESC, frozenset())
    parameters = {"skip": 0, "limit": 20}
{%- if cookiecutter.auth == "jwt" %}
    # The caller's tasks: every task here is the test user's.
    owner = text("SELECT owner_id FROM tasks LIMIT 1")
    parameters["caller_id"] = connection.execute(owner).scalar_one()
{%- endif %}
    compiled = page.compile(dialect=connection.dialect)
    values = compiled.construct_params(parameters)
    positional = tuple(values[name] for name in compiled.positiontup or ())
    return list(connection.exec_driver_sql(f"EXPLAIN {compiled}", positional).scalars())


async def test_the_newest_tasks_come_from_an_index_without_sorting_every_row(
    client: AsyncClient, database: BlockingDatabase
) -> None:
    await create_task(client)
    database.run(copy_the_task, TASKS - 1)

    plan = database.run(plan_of_the_first_page)

    assert any("Index Scan" in line for line in plan), "\n".join(plan)
    assert not any(FULL_SORT.match(line) for line in plan), "\n".join(plan)
    assert not any("WindowAgg" in line for line in plan), "\n".join(plan)
