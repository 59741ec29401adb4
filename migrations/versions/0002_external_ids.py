"""External ids: where an imported task came from (e.g. a Taskwarrior uuid).

Re-importing the same file finds its tasks by this id instead of adding
them again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_task_external_id"), ["external_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("task") as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_external_id"))
        batch_op.drop_column("external_id")
