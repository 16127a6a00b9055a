"""The users table, and the owner column it gives the tasks."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .orm import Base, utc_now

# The longest address RFC 5321 allows.
EMAIL_MAX_LENGTH = 320


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class OwnedByUser:
    """Gives the tasks their owner: a user's tasks are theirs alone, and go with them."""

    # Every listing is the caller's own, so every index of the tasks leads with the owner
    # (it also serves the foreign key's look-ups). Each one reads a listing in its order
    # instead of sorting all of a user's matching tasks: the newest first (the default),
    # the most important, the newest of a status or of a priority, and the soonest due.
    __table_args__ = (
        Index("ix_tasks_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_tasks_owner_id_priority", "owner_id", "priority"),
        Index("ix_tasks_owner_id_status_created_at", "owner_id", "status", "created_at"),
        Index("ix_tasks_owner_id_priority_created_at", "owner_id", "priority", "created_at"),
        Index("ix_tasks_owner_id_due_date", "owner_id", "due_date"),
    )

    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
