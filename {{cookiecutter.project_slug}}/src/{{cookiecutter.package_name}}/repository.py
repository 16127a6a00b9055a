"""Data access for tasks.

Reads select plain columns instead of ORM entities: building an ORM object per row
costs more than the query itself, and the API only needs the values.
Filtering, ordering, counting and paging all happen in SQL.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, select
from sqlalchemy.orm import Session

from .models import Task, TaskStatus, utc_now
from .schemas import SortOrder, TaskCreate, TaskQuery, TaskUpdate

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
TaskRow = Row[int, str, str | None, TaskStatus, int, datetime | None, datetime, datetime]


class TaskRepository:
{%- if cookiecutter.auth == "jwt" %}
    """Tasks of one owner: every read and write is scoped to ``owner_id``."""

    def __init__(self, session: Session, *, owner_id: int) -> None:
        self.session = session
        self.owner_id = owner_id
{%- else %}
    def __init__(self, session: Session) -> None:
        self.session = session
{%- endif %}

    def page(self, query: TaskQuery) -> tuple[Sequence[TaskRow], int]:
        """One page of tasks and the number of tasks matching the filters."""
        conditions = self._filters(query)
        total = self.session.scalar(select(func.count()).select_from(Task).where(*conditions))
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
        return self.session.execute(statement).all(), total or 0

    def get(self, task_id: int) -> TaskRow | None:
        statement = select(*TASK_COLUMNS).where(*self._scoped(Task.id == task_id))
        return self.session.execute(statement).one_or_none()

    def create(self, data: TaskCreate) -> Task:
        now = utc_now()
        task = Task(**data.model_dump(), {% if cookiecutter.auth == "jwt" %}owner_id=self.owner_id, {% endif %}created_at=now, updated_at=now)
        self.session.add(task)
        self.session.commit()
        return task

    def replace(self, task_id: int, data: TaskCreate) -> Task | None:
        return self._apply(task_id, data.model_dump())

    def update(self, task_id: int, data: TaskUpdate) -> Task | None:
        return self._apply(task_id, data.changes())

    def delete(self, task_id: int) -> bool:
        result = self.session.execute(delete(Task).where(*self._scoped(Task.id == task_id)))
        self.session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _apply(self, task_id: int, changes: dict[str, Any]) -> Task | None:
        task = self.session.get(Task, task_id)
        if task is None{% if cookiecutter.auth == "jwt" %} or task.owner_id != self.owner_id{% endif %}:
            return None
        changed = False
        for field, value in changes.items():
            if getattr(task, field) != value:
                setattr(task, field, value)
                changed = True
        if changed:
            task.updated_at = utc_now()
            self.session.commit()
        return task

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
