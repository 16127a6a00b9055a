"""Index each user's tasks by creation time, replacing the index on the owner alone.

Listing a user's tasks newest first, the default order, then reads them from the index
instead of sorting all of them. The new index also serves the foreign key's look-ups.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_tasks_owner_id_created_at"), "tasks", ["owner_id", "created_at"])
    op.drop_index(op.f("ix_tasks_owner_id"), table_name="tasks")


def downgrade() -> None:
    op.create_index(op.f("ix_tasks_owner_id"), "tasks", ["owner_id"])
    op.drop_index(op.f("ix_tasks_owner_id_created_at"), table_name="tasks")
