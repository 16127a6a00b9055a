"""Baseline "memory": the benchmark's routes served from memory, the in-memory ceiling.

It stands for the fastest the generated app could be on this stack: the same uvicorn,
FastAPI and pydantic, the SAME request and response models (``TaskCreate``, ``TaskQuery``,
``TaskRead`` and ``TaskPage`` imported from the generated package's ``schemas``: the list
takes the same query parameters, and honours them), but no database,
no middleware, no auth and no rate limits. Endpoints are ``async def``, so no thread pool
either. What remains is HTTP parsing, routing, validation and JSON serialisation: the
generated app's cost above this is what its database access and features cost.

The tasks are read once, at start-up, from the database the other apps use (through the
generated package's own ``models``, so values come back exactly as the app reads them).
Created tasks are kept in memory only; nothing is written back.

Settings come from the environment that bench/run.py sets:

- ``BENCH_DATABASE_URL``: ``sqlite:///path`` or ``postgresql://user@host:port/db``
- ``BENCH_PACKAGE``: the generated package's import name, e.g. ``task_manager_api``

Serve it with ``uvicorn memory:app --app-dir bench/baselines`` in the generated project.
"""

import importlib
import itertools
import os
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Response
from sqlalchemy import create_engine, select

PACKAGE = os.environ["BENCH_PACKAGE"]
schemas = importlib.import_module(f"{PACKAGE}.schemas")
models = importlib.import_module(f"{PACKAGE}.models")
TaskCreate = schemas.TaskCreate
TaskQuery = schemas.TaskQuery
TaskRead = schemas.TaskRead
TaskPage = schemas.TaskPage


def sync_driver_url(url: str) -> str:
    """Loading once needs no async driver: psycopg 3 (sync) for PostgreSQL."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def read_tasks() -> list[Any]:
    """Every task as a TaskRead, in the generated list's default order (newest first)."""
    table = models.Task.__table__
    engine = create_engine(sync_driver_url(os.environ["BENCH_DATABASE_URL"]))
    try:
        with engine.connect() as connection:
            statement = select(*(table.c[name] for name in TaskRead.model_fields))
            ordered = statement.order_by(table.c.created_at.desc(), table.c.id.desc())
            return [TaskRead.model_validate(row) for row in connection.execute(ordered)]
    finally:
        engine.dispose()


class TaskStore:
    """The tasks, newest first and by id."""

    def __init__(self) -> None:
        self.newest_first: deque[Any] = deque()
        self.by_id: dict[int, Any] = {}
        self.last_id = 0

    def load(self, tasks: list[Any]) -> None:
        self.newest_first.extend(tasks)
        self.by_id.update((task.id, task) for task in tasks)
        self.last_id = max(self.by_id, default=0)

    def add(self, data: Any) -> Any:
        self.last_id += 1
        now = datetime.now(UTC)
        task = TaskRead(id=self.last_id, **data.model_dump(), created_at=now, updated_at=now)
        self.newest_first.appendleft(task)
        self.by_id[task.id] = task
        return task

    def page(self, query: Any) -> tuple[list[Any], int]:
        """One page of the tasks that match, and how many match."""
        unfiltered = query.status is None and query.priority is None and query.search is None
        if unfiltered and query.sort_by == "created_at" and query.order == "desc":
            # The benchmark's list: newest first, straight from the deque.
            end = query.skip + query.limit
            return list(itertools.islice(self.newest_first, query.skip, end)), len(self.by_id)
        matching = [task for task in self.newest_first if matches(task, query)]
        matching.sort(key=lambda task: task.id, reverse=query.order == "desc")
        present = [task for task in matching if getattr(task, query.sort_by) is not None]
        present.sort(key=lambda task: getattr(task, query.sort_by), reverse=query.order == "desc")
        absent = [task for task in matching if getattr(task, query.sort_by) is None]
        ordered = present + absent
        return ordered[query.skip : query.skip + query.limit], len(ordered)


def matches(task: Any, query: Any) -> bool:
    if query.status is not None and task.status != query.status:
        return False
    if query.priority is not None and task.priority != query.priority:
        return False
    if query.search is not None:
        text = query.search.casefold()
        return text in task.title.casefold() or text in (task.description or "").casefold()
    return True


store = TaskStore()


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    store.load(read_tasks())
    yield


app = FastAPI(title="In-memory baseline", lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/v1/tasks", response_model=TaskRead, status_code=201)
async def create_task(data: TaskCreate, response: Response) -> Any:
    task = store.add(data)
    response.headers["Location"] = f"/api/v1/tasks/{task.id}"
    return task


@app.get("/api/v1/tasks", response_model=TaskPage)
async def list_tasks(query: Annotated[TaskQuery, Query()]) -> Any:
    items, total = store.page(query)
    return TaskPage(items=items, total=total, skip=query.skip, limit=query.limit)


@app.get("/api/v1/tasks/{task_id}", response_model=TaskRead)
async def get_task(task_id: int) -> Any:
    task = store.by_id.get(task_id)
    if task is None:
        raise HTTPException(status_code=404, detail=f"Task {task_id} not found")
    return task
