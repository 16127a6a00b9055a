"""Index the listings clients ask for most, each within its owner's tasks.

The most important tasks, the newest of a status or of a priority (the default order,
with either filter) and the soonest due are then read from an index in their order,
instead of sorted out of all of a user's matching tasks. Every task query names its
owner, so the indexes that do not lead with it served none of them, and go.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_tasks_owner_id_priority"), "tasks", ["owner_id", "priority"])
    op.create_index(
        op.f("ix_tasks_owner_id_status_created_at"), "tasks", ["owner_id", "status", "created_at"]
    )
    op.create_index(
        op.f("ix_tasks_owner_id_priority_created_at"),
        "tasks",
        ["owner_id", "priority", "created_at"],
    )
    op.create_index(op.f("ix_tasks_owner_id_due_date"), "tasks", ["owner_id", "due_date"])
    op.drop_index(op.f("ix_tasks_created_at"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_priority"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_status"), table_name="tasks")


def downgrade() -> None:
    op.create_index(op.f("ix_tasks_status"), "tasks", ["status"])
    op.create_index(op.f("ix_tasks_priority"), "tasks", ["priority"])
    op.create_index(op.f("ix_tasks_created_at"), "tasks", ["created_at"])
    op.drop_index(op.f("ix_tasks_owner_id_due_date"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_owner_id_priority_created_at"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_owner_id_status_created_at"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_owner_id_priority"), table_name="tasks")
