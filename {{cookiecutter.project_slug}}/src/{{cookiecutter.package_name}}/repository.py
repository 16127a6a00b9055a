"""Data access for tasks.

Each public method is one unit of work for ``Database.run``: a few statements of
SQLAlchemy Core, mostly a single one. Reads select plain columns instead of ORM entities
(building an ORM object per row costs more than the query), writes return the row they
wrote (``RETURNING``), and filtering, ordering, counting and paging all happen in SQL.
"""

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from .db import Database
from .models import Task, utc_now
from .schemas import SortOrder, TaskCreate, TaskPage, TaskQuery, TaskRead, TaskUpdate

TASK_COLUMNS = (
    Task.id,
    Task.title,
    Task.description,
    Task.status,
    Task.priority,
    Task.due_date,
    Task.created_at,
    Task.updated_at,
)


class TaskNotFoundError(LookupError):
    """No task with this id exists for the caller; answered 404 by the error handlers."""

    def __init__(self, task_id: int) -> None:
        super().__init__(f"Task {task_id} not found")
        self.task_id = task_id


def to_task(row: Row[*tuple[Any, ...]] | None, task_id: int) -> TaskRead:
    if row is None:
        raise TaskNotFoundError(task_id)
    return TaskRead.model_validate(row, from_attributes=True)


class TaskRepository:
{%- if cookiecutter.auth == "jwt" %}
    """Tasks of one owner: every read and write is scoped to ``owner_id``."""

    def __init__(self, database: Database, *, owner_id: int) -> None:
        self.database = database
        self.owner_id = owner_id
{%- else %}
    def __init__(self, database: Database) -> None:
        self.database = database
{%- endif %}

    async def page(self, query: TaskQuery) -> TaskPage:
        """One page of tasks, with the number of tasks matching the filters."""
        return await self.database.run(self._page, query)

    async def get(self, task_id: int) -> TaskRead:
        return await self.database.run(self._get, task_id)

    async def create(self, data: TaskCreate) -> TaskRead:
        return await self.database.run(self._create, data)

    async def replace(self, task_id: int, data: TaskCreate) -> TaskRead:
        return await self.database.run(self._change, task_id, data.model_dump())

    async def update(self, task_id: int, data: TaskUpdate) -> TaskRead:
        return await self.database.run(self._change, task_id, data.changes())

    async def delete(self, task_id: int) -> None:
        await self.database.run(self._delete, task_id)

    def _page(self, connection: Connection, query: TaskQuery) -> TaskPage:
        conditions = self._filters(query)
        total = connection.scalar(select(func.count()).select_from(Task).where(*conditions))
        sort_column = getattr(Task, query.sort_by.value)
        if query.order is SortOrder.ASC:
            ordering = [sort_column.asc().nulls_last(), Task.id.asc()]
        else:
            ordering = [sort_column.desc().nulls_last(), Task.id.desc()]
        statement = (
            select(*TASK_COLUMNS)
            .where(*conditions)
            .order_by(*ordering)
            .offset(query.skip)
            .limit(query.limit)
        )
        rows = connection.execute(statement)
        return TaskPage(
            items=[TaskRead.model_validate(row, from_attributes=True) for row in rows],
            total=total or 0,
            skip=query.skip,
            limit=query.limit,
        )

    def _get(self, connection: Connection, task_id: int) -> TaskRead:
        statement = select(*TASK_COLUMNS).where(*self._scoped(Task.id == task_id))
        return to_task(connection.execute(statement).one_or_none(), task_id)

    def _create(self, connection: Connection, data: TaskCreate) -> TaskRead:
        now = utc_now()
        statement = insert(Task).values(
            **data.model_dump(),
{%- if cookiecutter.auth == "jwt" %}
            owner_id=self.owner_id,
{%- endif %}
            created_at=now,
            updated_at=now,
        )
        row = connection.execute(statement.returning(*TASK_COLUMNS)).one()
        return TaskRead.model_validate(row, from_attributes=True)

    def _change(self, connection: Connection, task_id: int, changes: dict[str, Any]) -> TaskRead:
        """Apply ``changes`` in one statement; ``updated_at`` moves only if a value differs."""
        if not changes:
            return self._get(connection, task_id)
        # SET expressions see the row as it was, so this compares old and new values.
        differs = or_(*(getattr(Task, name).is_distinct_from(new) for name, new in changes.items()))
        statement = (
            update(Task)
            .where(*self._scoped(Task.id == task_id))
            .values({**changes, "updated_at": case((differs, utc_now()), else_=Task.updated_at)})
            .returning(*TASK_COLUMNS)
        )
        return to_task(connection.execute(statement).one_or_none(), task_id)

    def _delete(self, connection: Connection, task_id: int) -> None:
        result = connection.execute(delete(Task).where(*self._scoped(Task.id == task_id)))
        if not result.rowcount:
            raise TaskNotFoundError(task_id)

    def _scoped(self, *conditions: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        """The conditions, limited to the tasks this repository may see."""
{%- if cookiecutter.auth == "jwt" %}
        return [Task.owner_id == self.owner_id, *conditions]
{%- else %}
        return list(conditions)
{%- endif %}

    def _filters(self, query: TaskQuery) -> list[ColumnElement[bool]]:
        conditions = self._scoped()
        if query.status is not None:
            conditions.append(Task.status == query.status)
        if query.priority is not None:
            conditions.append(Task.priority == query.priority)
        if query.search is not None:
            conditions.append(
                Task.title.icontains(query.search, autoescape=True)
                | Task.description.icontains(query.search, autoescape=True)
            )
        return conditions
