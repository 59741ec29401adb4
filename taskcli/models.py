"""The database tables.

Relationships are ``lazy="raise"``: a tree that was not loaded eagerly fails
loudly in a test instead of issuing one query per node (or ``MissingGreenlet``).
"""

# No ``from __future__ import annotations``: SQLModel resolves relationship
# annotations at class creation.
from datetime import UTC, datetime
from typing import Optional

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlmodel import Column, Field, Relationship, SQLModel

# The column type lives with the Core tables the read path uses (``tables``).
from taskcli.tables import NAMING_CONVENTION, UTCDateTime

# Named constraints let Alembic's batch mode on SQLite find them again.
SQLModel.metadata.naming_convention = dict(NAMING_CONVENTION)
metadata = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


class TaskTag(SQLModel, table=True):
    """Association of tasks and tags; rows go with either side."""

    __tablename__ = "task_tag"

    task_id: int = Field(
        sa_column=Column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class Tag(SQLModel, table=True):
    __tablename__ = "tag"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(64), nullable=False, unique=True))

    tasks: list["Task"] = Relationship(
        back_populates="tags", link_model=TaskTag, sa_relationship_kwargs={"lazy": "raise"}
    )


class Task(SQLModel, table=True):
    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("status IN ('pending', 'done')", name="status"),
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority"),
        CheckConstraint("length(title) BETWEEN 1 AND 500", name="title_length"),
        # Ids are never reused, even after the newest task is deleted.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_column=Column(String(500), nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="pending", sa_column=Column(String(7), nullable=False, index=True))
    priority: int = Field(default=0, sa_column=Column(SmallInteger, nullable=False))
    due: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True, index=True)
    )
    # No ON DELETE action: deleting a task that still has subtasks is refused by
    # the database itself; ``rm -r`` deletes the whole subtree in one statement.
    parent_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("task.id"), nullable=True, index=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    completed_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    # Where an imported task came from ("taskwarrior:<uuid>"), so that
    # importing the same file again does not duplicate it.
    external_id: str | None = Field(
        default=None, sa_column=Column(String(200), nullable=True, index=True, unique=True)
    )
    # Hidden from list and tree until then (revision 0007); a past ``wait`` hides nothing.
    wait: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # The earliest start; shown and stored, hides nothing.
    scheduled: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # Recurrence (revision 0009): the rule travels with each instance; ``series_id``
    # is the series' first task (null on that first task itself).
    series_id: int | None = Field(
        default=None, sa_column=Column(Integer, nullable=True, index=True)
    )
    recur_rule: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    recur_from: str | None = Field(default=None, sa_column=Column(String(10), nullable=True))
    recur_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    recur_anchor: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )

    parent: Optional["Task"] = Relationship(
        back_populates="children",
        sa_relationship_kwargs={"lazy": "raise", "remote_side": "Task.id"},
    )
    children: list["Task"] = Relationship(
        back_populates="parent", sa_relationship_kwargs={"lazy": "raise"}
    )
    tags: list[Tag] = Relationship(
        back_populates="tasks", link_model=TaskTag, sa_relationship_kwargs={"lazy": "raise"}
    )


class Annotation(SQLModel, table=True):
    """A dated line of text on a task (Taskwarrior's annotations); goes with its task."""

    __tablename__ = "annotation"
    __table_args__ = (
        CheckConstraint("length(text) BETWEEN 1 AND 1000", name="text_length"),
        # Ids are never reused: the journal keys annotation rows by them.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(
        sa_column=Column(ForeignKey("task.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    entry: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    text: str = Field(sa_column=Column(String(1000), nullable=False))


class Interval(SQLModel, table=True):
    """A stretch of time a task was started for (``start``..``stop``); goes with its task."""

    __tablename__ = "time_interval"
    __table_args__ = (
        CheckConstraint("stopped_at IS NULL OR stopped_at >= started_at", name="stop_after_start"),
        # At most one running interval per task.
        Index(
            "ux_time_interval_running",
            "task_id",
            unique=True,
            sqlite_where=text("stopped_at IS NULL"),
            postgresql_where=text("stopped_at IS NULL"),
        ),
        # Ids are never reused: the journal keys interval rows by them.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(
        sa_column=Column(ForeignKey("task.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    stopped_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class TaskBlocker(SQLModel, table=True):
    """A blocked-by link: ``task_id`` waits for ``blocked_by_id``; goes with either task."""

    __tablename__ = "task_blocker"
    __table_args__ = (CheckConstraint("task_id <> blocked_by_id", name="not_own_blocker"),)

    task_id: int = Field(
        sa_column=Column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    )
    blocked_by_id: int = Field(
        sa_column=Column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class Operation(SQLModel, table=True):
    """One journaled command: what ran, who ran it, and whether it is undone."""

    __tablename__ = "operation"
    __table_args__ = (
        CheckConstraint("state IN ('applied', 'undone', 'discarded')", name="state"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    user_name: str = Field(sa_column=Column(String(100), nullable=False, index=True))
    command: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="applied", sa_column=Column(String(9), nullable=False))


class Change(SQLModel, table=True):
    """One row touched by an operation: its old and new values (JSON; null = absent).

    Written by database triggers, so nothing a command does escapes the journal.
    """

    __tablename__ = "change"
    __table_args__ = (
        Index("ix_change_table_name_row_key", "table_name", "row_key"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(
        sa_column=Column(ForeignKey("operation.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    table_name: str = Field(sa_column=Column(String(16), nullable=False))
    row_key: str = Field(sa_column=Column(String(64), nullable=False))
    old_row: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    new_row: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class JournalCursor(SQLModel, table=True):
    """SQLite only: the operation the triggers file changes under (one row, id 1).

    PostgreSQL uses a transaction-local setting instead, so concurrent
    writers do not queue on this row.
    """

    __tablename__ = "journal_cursor"

    id: int = Field(default=1, primary_key=True)
    operation_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))


class DatabaseIdentity(SQLModel, table=True):
    """One row: this database's uuid, made once by migration 0004 and never journaled.

    ``export`` writes it as ``source``; ``import`` recognises tasks that came
    from a database by it, so importing a file again updates instead of adding.
    """

    __tablename__ = "database_identity"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: int = Field(default=1, primary_key=True)
    uuid: str = Field(sa_column=Column(String(36), nullable=False))
