"""The Core tables queries are built on describe exactly the SQLModel schema."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import CheckConstraint, Table
from sqlalchemy.schema import CreateTable

from taskcli import models, tables
from taskcli.queries import task as query_task

PAIRS = [
    (tables.task, models.Task.__table__),
    (tables.tag, models.Tag.__table__),
    (tables.task_tag, models.TaskTag.__table__),
    (tables.annotation, models.Annotation.__table__),
    (tables.interval, models.Interval.__table__),
    (tables.task_blocker, models.TaskBlocker.__table__),
]

# Partial indexes whose dialect options would load the PostgreSQL dialect on
# every command (see ``tables.interval``): the model, which migrations follow, has them.
MODEL_ONLY_INDEXES = frozenset({"ux_time_interval_running"})


def _columns(table: Table) -> list[tuple[Any, ...]]:
    return [
        (
            column.name,
            repr(column.type),
            column.nullable,
            column.primary_key,
            bool(column.unique),
            bool(column.index),
            sorted((fk.target_fullname, fk.ondelete, fk.onupdate) for fk in column.foreign_keys),
        )
        for column in table.columns
    ]


def _constraints(table: Table) -> list[tuple[Any, ...]]:
    return sorted(
        (type(constraint).__name__, str(constraint.name), str(getattr(constraint, "sqltext", "")))
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint) or constraint.name
    )


@pytest.mark.parametrize(("core", "model"), PAIRS, ids=lambda t: getattr(t, "name", ""))
def test_core_tables_match_the_models(core: Table, model: Table) -> None:
    """Same columns (types, nullability, keys), indexes, constraints and DDL on both backends."""
    assert _columns(core) == _columns(model)
    assert _constraints(core) == _constraints(model)
    assert sorted(str(index.name) for index in core.indexes) == sorted(
        str(index.name) for index in model.indexes if index.name not in MODEL_ONLY_INDEXES
    )
    assert core.dialect_kwargs == model.dialect_kwargs
    from sqlalchemy.dialects import postgresql, sqlite

    for dialect in (sqlite.dialect(), postgresql.dialect()):
        assert str(CreateTable(core).compile(dialect=dialect)) == str(
            CreateTable(model).compile(dialect=dialect)
        )


def test_core_metadata_holds_every_task_table() -> None:
    """No table the queries use is missing; the naming convention is shared."""
    assert set(tables.metadata.tables) == {
        "task",
        "tag",
        "task_tag",
        "annotation",
        "time_interval",
        "task_blocker",
    }
    assert tables.metadata.naming_convention == models.metadata.naming_convention
    assert query_task is tables.task


def test_reading_tasks_imports_no_sqlmodel_classes() -> None:
    """Building the read queries does not import the SQLModel schema module."""
    import subprocess
    import sys

    code = (
        "import sys; import taskcli.services.reading, taskcli.queries; "
        "print('taskcli.models' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_reading_tasks_on_sqlite_imports_no_postgresql_dialect() -> None:
    """The read path's tables must not pull in another backend's dialect (~30 ms a command)."""
    import subprocess
    import sys

    code = (
        "import sys; import taskcli.services.reading, taskcli.queries, taskcli.db.engine; "
        "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.postgresql')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_tests_dump_compares_every_table_a_command_may_change() -> None:
    """``support.dump`` (all-or-nothing checks) must see each new table; only the
    database's identity, made once by a migration, is never changed by a command."""
    from support import TABLES

    assert set(TABLES) == set(models.metadata.tables) - {"database_identity"}
