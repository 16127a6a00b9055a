"""What the tasks are without user accounts: shared by every client, with their indexes."""

from sqlalchemy import Index


class SharedByAll:
    """Gives the tasks no owner: every client sees every task."""

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
