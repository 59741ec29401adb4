"""Task records for streamed output: rows whose timestamps are already text, in a given order.

Kept apart from the other selections because it changes with the output
formats that stream whole lists (export, ``tree -f json``), and it is the one
place where the SQL differs by backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Text, case, cast, func, select, type_coerce

from taskcli.queries.tasks import TASK_COLUMNS, task


def iso_text(column: Any, dialect: str) -> ColumnElement[Any]:
    """A UTC timestamp column as the text ``datetime.isoformat`` gives it, built in SQL.

    Streams of whole task lists (export, ``tree -f json``) then carry text the
    output uses as is, instead of converting every value to a ``datetime``
    and back. Microseconds appear only when not zero, as ``isoformat`` does.
    """
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        # asyncpg stores year 1 and datetime.max as -infinity/infinity, which
        # to_char turns into NULL; views read them back as datetime.min/max.
        as_text = cast(column, Text)
        return case(
            (column.is_(None), None),
            (as_text == "-infinity", "0001-01-01T00:00:00+00:00"),
            (as_text == "infinity", "9999-12-31T23:59:59.999999+00:00"),
            else_=func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
            + case(
                (func.to_char(utc, "US") == "000000", ""),
                else_=func.to_char(utc, ".US"),
            )
            + "+00:00",
        )
    stored = type_coerce(column, String)
    fraction = func.substr(stored, 21)
    return case(
        (stored.is_(None), None),
        else_=func.substr(stored, 1, 10)
        + "T"
        + func.substr(stored, 12, 8)
        + case((fraction.in_(["", "000000"]), ""), else_="." + fraction)
        + "+00:00",
    )


#: The task columns that hold instants (text in a record).
_TIME_COLUMNS = frozenset(
    ("due", "created_at", "updated_at", "completed_at", "recur_until", "wait", "scheduled")
)


def record_columns(dialect: str) -> tuple[ColumnElement[Any], ...]:
    """``TASK_COLUMNS`` with the timestamps as text: a task *record*.

    On PostgreSQL the text is ISO 8601 built in SQL (``iso_text``). On SQLite
    it is the stored text itself, ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, which
    ``render.record_json`` turns into ISO 8601: slicing a string in Python
    costs less than SQLite's string functions and far less than a
    ``datetime`` per value.
    """
    return tuple(
        _time_text(column, dialect).label(column.name) if column.name in _TIME_COLUMNS else column
        for column in TASK_COLUMNS
    )


def _time_text(column: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return iso_text(column, dialect)
    return type_coerce(column, String)


def select_in_order(ids: Sequence[int], dialect: str) -> Select[Any]:
    """The tasks with these ids as records, in exactly this order, in one statement.

    The ids travel as one parameter (a JSON array on SQLite, an integer array
    on PostgreSQL) and are joined back with their position, so the database
    returns rows in output order and they can be written as they arrive.
    """
    chosen = record_columns(dialect)
    if dialect == "postgresql":
        from sqlalchemy import ARRAY, Integer, bindparam

        wanted = (
            func.unnest(bindparam("ids", list(ids), type_=ARRAY(Integer)))
            .table_valued("id", with_ordinality="position")
            .render_derived()
        )
        return (
            select(*chosen)
            .select_from(task)
            .join(wanted, wanted.c.id == task.c.id)
            .order_by(wanted.c.position)
        )
    import json

    wanted = func.json_each(json.dumps(list(ids))).table_valued("key", "value")
    return (
        select(*chosen)
        .select_from(task)
        .join(wanted, wanted.c.value == task.c.id)
        .order_by(wanted.c.key)
    )
