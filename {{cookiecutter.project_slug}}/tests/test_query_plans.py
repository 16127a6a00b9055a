"""Query plans: the listings clients ask for most read their page from an index.

A page that the database must sort out of every matching task costs as much as there
are matches (15 ms per page of one status at 100,000 tasks on SQLite, against 1 ms read
from an index), however fast it looks on a small table.
"""

from datetime import timedelta
from typing import Any

import pytest
from httpx2 import AsyncClient
from sqlalchemy import Connection, insert, select

from {{ cookiecutter.package_name }}.models import Task, TaskStatus
from {{ cookiecutter.package_name }}.repository import page_statements
from {{ cookiecutter.package_name }}.schemas import SortOrder, TaskSortField

from .database_{{ cookiecutter.database }}_helpers import (
    READS_AN_INDEX,
    SORTS_EVERY_ROW,
    gather_planner_statistics,
    query_plan,
)
from .helpers import BlockingDatabase, create_task

pytestmark = pytest.mark.anyio

# Enough rows that reading 20 of them from an index beats reading them all.
TASKS = 1_000
STATUSES = list(TaskStatus)


def fill_with_copies(connection: Connection, copies: int) -> None:
    """Add ``copies`` of the one task, each a second older than the one before, of every
    status and priority in turn, a third of them due; then leave the planner the
    statistics a production database would have of them."""
    task = connection.execute(select(Task.__table__)).one()
    values = [
        {
{%- if cookiecutter.auth == "jwt" %}
            "owner_id": task.owner_id,
{%- endif %}
            "title": f"{task.title} {step}",
            "status": STATUSES[step % len(STATUSES)],
            "priority": 1 + step % 5,
            "due_date": task.created_at + timedelta(days=step) if step % 3 == 0 else None,
            "created_at": task.created_at - timedelta(seconds=step),
            "updated_at": task.updated_at,
        }
        for step in range(1, copies + 1)
    ]
    connection.execute(insert(Task), values)
    gather_planner_statistics(connection)


def plan_of_the_first_page(
    connection: Connection, sort_by: TaskSortField, order: SortOrder, filters: dict[str, Any]
) -> list[str]:
    _count, page = page_statements(sort_by, order, frozenset(filters))
    parameters = {**filters, "skip": 0, "limit": 20}
{%- if cookiecutter.auth == "jwt" %}
    # The caller's tasks: every task here is the test user's.
    parameters["caller_id"] = connection.execute(select(Task.owner_id).limit(1)).scalar_one()
{%- endif %}
    compiled = page.compile(dialect=connection.dialect)
    values = compiled.construct_params(parameters)
    positional = tuple(values[name] for name in compiled.positiontup or ())
    return query_plan(connection, str(compiled), positional)


@pytest.mark.parametrize(
    ("sort_by", "order", "filters"),
    [
        pytest.param(TaskSortField.CREATED_AT, SortOrder.DESC, {}, id="newest-first"),
        pytest.param(
            TaskSortField.CREATED_AT, SortOrder.DESC, {"status": "pending"}, id="newest-of-a-status"
        ),
        pytest.param(
            TaskSortField.CREATED_AT, SortOrder.DESC, {"priority": 3}, id="newest-of-a-priority"
        ),
        # Soonest due first, tasks without a due date last. Latest due first has no index:
        # with the tasks without a due date still last, PostgreSQL would need a second one.
        pytest.param(TaskSortField.DUE_DATE, SortOrder.ASC, {}, id="soonest-due"),
        pytest.param(TaskSortField.PRIORITY, SortOrder.DESC, {}, id="most-important"),
    ],
)
async def test_a_listing_reads_its_page_from_an_index_without_sorting_every_row(
    client: AsyncClient,
    database: BlockingDatabase,
    sort_by: TaskSortField,
    order: SortOrder,
    filters: dict[str, Any],
) -> None:
    await create_task(client)
    # In one transaction: in autocommit each row would be a commit, flushed to disk.
    database.run_in_transaction(fill_with_copies, TASKS - 1)

    plan = database.run(plan_of_the_first_page, sort_by, order, filters)

    assert any(READS_AN_INDEX.search(line) for line in plan), "\n".join(plan)
    assert not any(SORTS_EVERY_ROW.search(line) for line in plan), "\n".join(plan)
