"""The journal: every change a command makes, for undo, redo, log and history.

Row changes are captured by triggers on task, tag and task_tag, filed under
the operation the running command opened: on PostgreSQL a transaction-local
setting (``taskcli.operation_id``, read by statement-level triggers), on
SQLite (row triggers) the one-row ``journal_cursor``
table (SQLite writers are serialised, so one row is enough). Changes made
while no operation is open (other tools, undo itself) are not journaled.

The triggers come from ``taskcli/db/journal_triggers.py``, which reads the
column lists from the schema as it is when a revision runs; every later
revision that changes task, tag or task_tag calls
``recreate_journal_triggers()`` from it. Tables journaled later (``annotation``,
revision 0005) do not exist here, so they get no triggers from this revision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from taskcli.db.journal_triggers import create_journal_triggers, drop_journal_triggers

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=9), nullable=False),
        sa.CheckConstraint(
            "state IN ('applied', 'undone', 'discarded')", name=op.f("ck_operation_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operation")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_operation_user_name"), "operation", ["user_name"], unique=False)
    op.create_table(
        "change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=16), nullable=False),
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("old_row", sa.Text(), nullable=True),
        sa.Column("new_row", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operation.id"],
            name=op.f("fk_change_operation_id_operation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_change_operation_id"), "change", ["operation_id"], unique=False)
    op.create_index(
        "ix_change_table_name_row_key", "change", ["table_name", "row_key"], unique=False
    )
    op.create_table(
        "journal_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_cursor")),
    )
    op.execute("INSERT INTO journal_cursor (id, operation_id) VALUES (1, NULL)")
    create_journal_triggers()


def downgrade() -> None:
    drop_journal_triggers()
    op.drop_table("journal_cursor")
    op.drop_index("ix_change_table_name_row_key", table_name="change")
    op.drop_index(op.f("ix_change_operation_id"), table_name="change")
    op.drop_table("change")
    op.drop_index(op.f("ix_operation_user_name"), table_name="operation")
    op.drop_table("operation")
