"""ORM models: the application's tables."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, {% if cookiecutter.auth != "jwt" %}Index, {% endif %}SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .orm import Base, utc_now
{%- if cookiecutter.auth == "jwt" %}
from .user_models import OwnedByUser
{%- endif %}

__all__ = ["Base", "Task", "TaskStatus"]

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2_000
PRIORITY_MIN = 1
PRIORITY_MAX = 5


class TaskStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Task({% if cookiecutter.auth == "jwt" %}OwnedByUser, {% endif %}Base):
    __tablename__ = "tasks"
{%- if cookiecutter.auth != "jwt" %}
    # The listings clients ask for most, each read from an index in its order instead of
    # sorted out of every matching task: the newest first (the default), the most
    # important, the newest of a status or of a priority, and the soonest due.
    __table_args__ = (
        Index("ix_tasks_created_at", "created_at"),
        Index("ix_tasks_priority", "priority"),
        Index("ix_tasks_status_created_at", "status", "created_at"),
        Index("ix_tasks_priority_created_at", "priority", "created_at"),
        Index("ix_tasks_due_date", "due_date"),
    )
{%- endif %}

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    description: Mapped[str | None] = mapped_column(String(DESCRIPTION_MAX_LENGTH))
    status: Mapped[TaskStatus] = mapped_column(
        Enum(
            TaskStatus,
            name="task_status",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda members: [member.value for member in members],
        ),
        default=TaskStatus.PENDING,
    )
    priority: Mapped[int] = mapped_column(
        SmallInteger,
        CheckConstraint(f"priority BETWEEN {PRIORITY_MIN} AND {PRIORITY_MAX}", name="priority"),
        default=PRIORITY_MIN,
    )
    due_date: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
