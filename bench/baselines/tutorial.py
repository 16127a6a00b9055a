"""Baseline "tutorial": the task API written the way the FastAPI docs teach it.

It stands for what a developer gets by following the SQL tutorial: sync ``def``
endpoints (run in FastAPI's thread pool), an ORM ``Session`` per request from a
``get_db`` generator dependency, ``db.query(Task)`` with ``.count()``, and ORM objects
returned through a ``response_model`` that reads them with ``from_attributes``. The
driver is a sync one: sqlite3, or psycopg 3 for PostgreSQL. It has no auth, no rate
limits, no middleware, no strict validation: only the routes the benchmark measures.
On SQLite its datetimes come back without a timezone, as the tutorial's would.

It maps the generated app's ``tasks`` table with its own small ORM class, so it reads
and writes the same rows. Settings come from the environment that bench/run.py sets:

- ``BENCH_DATABASE_URL``: ``sqlite:///path`` or ``postgresql://user@host:port/db``
- ``BENCH_OWNER_ID``: with auth=jwt, the user who owns the tasks (``tasks.owner_id``)

Serve it with ``uvicorn tutorial:app --app-dir bench/baselines``.
"""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, Integer, SmallInteger, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


def sync_driver_url(url: str) -> str:
    """The tutorial uses a sync driver: psycopg 3 for PostgreSQL."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


DATABASE_URL = sync_driver_url(os.environ["BENCH_DATABASE_URL"])
OWNER_ID = os.environ.get("BENCH_OWNER_ID")

# As in the tutorial: check_same_thread=False because requests run in a thread pool.
connect_args = {"check_same_thread": False} if DATABASE_URL.startswith("sqlite") else {}
engine = create_engine(DATABASE_URL, connect_args=connect_args)
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    priority: Mapped[int] = mapped_column(SmallInteger, default=1)
    due_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


if OWNER_ID is not None:
    # With auth=jwt every task has an owner; this app has no users, so it files the tasks
    # it creates under the benchmark's user.
    Task.owner_id = mapped_column(Integer, default=int(OWNER_ID))


class TaskCreate(BaseModel):
    title: str
    description: str | None = None
    status: str = "pending"
    priority: int = 1
    due_date: datetime | None = None


class TaskRead(TaskCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    updated_at: datetime


class TaskPage(BaseModel):
    items: list[TaskRead]
    total: int
    skip: int
    limit: int


def get_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


SessionDep = Annotated[Session, Depends(get_db)]

app = FastAPI(title="Tutorial baseline")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/v1/tasks", response_model=TaskRead, status_code=201)
def create_task(task: TaskCreate, db: SessionDep) -> Task:
    db_task = Task(**task.model_dump())
    db.add(db_task)
    db.commit()
    db.refresh(db_task)
    return db_task


@app.get("/api/v1/tasks", response_model=TaskPage)
def read_tasks(db: SessionDep, skip: int = 0, limit: int = 20) -> dict[str, object]:
    query = db.query(Task)
    tasks = query.order_by(Task.created_at.desc(), Task.id.desc()).offset(skip).limit(limit).all()
    return {"items": tasks, "total": query.count(), "skip": skip, "limit": limit}


@app.get("/api/v1/tasks/{task_id}", response_model=TaskRead)
def read_task(task_id: int, db: SessionDep) -> Task:
    task = db.query(Task).filter(Task.id == task_id).first()
    if task is None:
        raise HTTPException(status_code=404, detail="Task not found")
    return task
