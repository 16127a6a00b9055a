"""Baseline "memory": the benchmark's routes served from memory, the in-memory ceiling.

It stands for the fastest the generated app could be on this stack: the same uvicorn,
FastAPI and pydantic, the SAME request and response models (``TaskCreate``, ``TaskRead``
and ``TaskPage`` imported from the generated package's ``schemas``), but no database,
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

    def page(self, skip: int, limit: int) -> list[Any]:
        return list(itertools.islice(self.newest_first, skip, skip + limit))


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
async def list_tasks(
    skip: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> Any:
    return TaskPage(items=store.page(skip, limit), total=len(store.by_id), skip=skip, limit=limit)


@app.get("/api/v1/tasks/{task_id}", response_model=TaskRead)
async def get_task(task_id: int) -> Any:
    task = store.by_id.get(task_id)
    if task is None:
        raise HTTPException(status_code=404, detail=f"Task {task_id} not found")
    return task
