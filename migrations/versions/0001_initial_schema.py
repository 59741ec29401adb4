"""Initial schema: tasks with subtask trees, tags and their association.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
        sa.UniqueConstraint("name", name=op.f("uq_tag_name")),
    )
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=7), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_task_not_own_parent")
        ),
        sa.CheckConstraint("status IN ('pending', 'done')", name=op.f("ck_task_status")),
        sa.CheckConstraint("priority BETWEEN 0 AND 3", name=op.f("ck_task_priority")),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 500", name=op.f("ck_task_title_length")),
        sa.ForeignKeyConstraint(["parent_id"], ["task.id"], name=op.f("fk_task_parent_id_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
        # AUTOINCREMENT on SQLite: ids are never reused after a delete.
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("task") as batch_op:
        batch_op.create_index(batch_op.f("ix_task_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_status"), ["status"], unique=False)
    op.create_table(
        "task_tag",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_task_tag_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_task_tag_task_id_task"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "tag_id", name=op.f("pk_task_tag")),
    )
    with op.batch_alter_table("task_tag") as batch_op:
        batch_op.create_index(batch_op.f("ix_task_tag_tag_id"), ["tag_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_tag") as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_tag_tag_id"))
    op.drop_table("task_tag")
    with op.batch_alter_table("task") as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_status"))
        batch_op.drop_index(batch_op.f("ix_task_parent_id"))
        batch_op.drop_index(batch_op.f("ix_task_due"))
    op.drop_table("task")
    op.drop_table("tag")
