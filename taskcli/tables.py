"""The task tables as plain SQLAlchemy Core ``Table`` objects, for building queries.

Reading tasks needs only table and column objects, not the SQLModel classes
of ``taskcli.models``: creating those runs pydantic for every field, a cost
each short-lived process would pay before its first query. ``models`` stays
the schema Alembic migrates; ``tests/test_tables.py`` proves these tables
describe the same columns, keys, indexes and constraints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# The same names as ``models`` (Alembic's batch mode on SQLite finds them again).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC on every backend.

    SQLite keeps no offset, so values are normalised to naive UTC on the way
    in and made aware again on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored = cast(datetime, value)
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


metadata = MetaData(naming_convention=NAMING_CONVENTION)

tag = Table(
    "tag",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
)

task = Table(
    "task",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(500), nullable=False),
    Column("note", Text, nullable=True),
    Column("status", String(7), nullable=False, index=True),
    Column("priority", SmallInteger, nullable=False),
    Column("due", UTCDateTime, nullable=True, index=True),
    Column("parent_id", ForeignKey("task.id"), nullable=True, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime, nullable=True),
    Column("external_id", String(200), nullable=True, index=True, unique=True),
    # Hidden from list and tree until ``wait`` (0007); ``scheduled``: the earliest start.
    Column("wait", UTCDateTime, nullable=True),
    Column("scheduled", UTCDateTime, nullable=True),
    Column("series_id", Integer, nullable=True, index=True),
    Column("recur_rule", String(40), nullable=True),
    Column("recur_from", String(10), nullable=True),
    Column("recur_until", UTCDateTime, nullable=True),
    Column("recur_anchor", UTCDateTime, nullable=True),
    CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    CheckConstraint("status IN ('pending', 'done')", name="status"),
    CheckConstraint("priority BETWEEN 0 AND 3", name="priority"),
    CheckConstraint("length(title) BETWEEN 1 AND 500", name="title_length"),
    sqlite_autoincrement=True,
)

task_tag = Table(
    "task_tag",
    metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

annotation = Table(
    "annotation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("entry", UTCDateTime, nullable=False),
    Column("text", String(1000), nullable=False),
    CheckConstraint("length(text) BETWEEN 1 AND 1000", name="text_length"),
    sqlite_autoincrement=True,
)

# Active time: one row per start..stop; ``stopped_at`` NULL while it runs.
# At most one running interval per task: a partial unique index, declared on
# the model only. Its ``postgresql_where`` would make SQLAlchemy import the
# whole PostgreSQL dialect when this module loads, on SQLite too (about 30 ms
# of every command); reads never need the index's definition.
interval = Table(
    "time_interval",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("stopped_at", UTCDateTime, nullable=True),
    CheckConstraint("stopped_at IS NULL OR stopped_at >= started_at", name="stop_after_start"),
    sqlite_autoincrement=True,
)

# Blocked-by links outside the tree: ``task_id`` waits for ``blocked_by_id``.
# Either task's deletion removes the link; the second index serves "blocking:".
task_blocker = Table(
    "task_blocker",
    metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "blocked_by_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
    CheckConstraint("task_id <> blocked_by_id", name="not_own_blocker"),
)
