"""ORM models: the application's tables."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .orm import Base, utc_now
{%- if cookiecutter.auth == "jwt" %}
from .user_models import OwnedByUser as TaskScope
{%- else %}
from .shared_tasks import SharedByAll as TaskScope
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


# TaskScope: who may see a task, and the indexes that serve the listings they ask for.
class Task(TaskScope, Base):
    __tablename__ = "tasks"

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
