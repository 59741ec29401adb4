"""The journal's triggers on the journaled tables (``KEYS``), made from the schema as it is.

Every revision that adds, drops or renames a column of a journaled table (or
adds one, or recreates one, as SQLite batch mode does) must end with
``recreate_journal_triggers()``: SQLite's row triggers name each column they
capture, so a trigger written before the change would miss a new column or
fail on a dropped one. The column lists are read from the database at the
moment a revision runs, never copied by hand. PostgreSQL's statement-level
triggers capture whole rows (``to_jsonb``); recreating them is harmless.
A journaled table that does not exist yet (revision 0003 runs before 0005
adds ``annotation``) gets no triggers: each revision makes them for the
tables as they are at that revision.

Changes are filed under the operation the running command opened: on
PostgreSQL a transaction-local setting (``taskcli.operation_id``), on SQLite
the one-row ``journal_cursor`` table (SQLite writers are serialised).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

#: Journaled tables and the SQL for each one's row key (``{row}`` is NEW or OLD).
KEYS = {
    "task": "{row}.id",
    "tag": "{row}.id",
    "task_tag": "{row}.task_id || ':' || {row}.tag_id",
    # Keyed under their task, so a task's history finds them by prefix.
    "annotation": "{row}.task_id || ':' || {row}.id",
    "time_interval": "{row}.task_id || ':' || {row}.id",
    # Keyed under the blocked task: its history finds the links it gained and lost.
    "task_blocker": "{row}.task_id || ':' || {row}.blocked_by_id",
}
EVENTS = ("insert", "update", "delete")
CURSOR = "(SELECT operation_id FROM journal_cursor WHERE id = 1)"

# PostgreSQL: statement-level triggers with transition tables, so a bulk
# insert of 10,000 rows files its changes in one INSERT ... SELECT rather than
# 10,000 trigger calls. A transition table serves one event, so each event has
# its own function; all three are shared by the three tables.
PG_KEY = (
    "CASE WHEN TG_TABLE_NAME = 'task_tag' "
    "THEN ({row} ->> 'task_id') || ':' || ({row} ->> 'tag_id') "
    "WHEN TG_TABLE_NAME IN ('annotation', 'time_interval') "
    "THEN ({row} ->> 'task_id') || ':' || ({row} ->> 'id') "
    "WHEN TG_TABLE_NAME = 'task_blocker' "
    "THEN ({row} ->> 'task_id') || ':' || ({row} ->> 'blocked_by_id') ELSE {row} ->> 'id' END"
)
PG_OPERATION = "nullif(current_setting('taskcli.operation_id', true), '')::bigint"
PG_FUNCTIONS = {
    "insert": f"""
        INSERT INTO change (operation_id, table_name, row_key, old_row, new_row)
        SELECT {PG_OPERATION}, TG_TABLE_NAME, {PG_KEY.format(row="n.doc")}, NULL, n.doc::text
        FROM (SELECT to_jsonb(new_rows) AS doc FROM new_rows) AS n
        WHERE {PG_OPERATION} IS NOT NULL
    """,
    "delete": f"""
        INSERT INTO change (operation_id, table_name, row_key, old_row, new_row)
        SELECT {PG_OPERATION}, TG_TABLE_NAME, {PG_KEY.format(row="o.doc")}, o.doc::text, NULL
        FROM (SELECT to_jsonb(old_rows) AS doc FROM old_rows) AS o
        WHERE {PG_OPERATION} IS NOT NULL
    """,
    "update": f"""
        INSERT INTO change (operation_id, table_name, row_key, old_row, new_row)
        SELECT {PG_OPERATION}, TG_TABLE_NAME, {PG_KEY.format(row="n.doc")}, o.doc::text, n.doc::text
        FROM (SELECT to_jsonb(old_rows) AS doc FROM old_rows) AS o
        JOIN (SELECT to_jsonb(new_rows) AS doc FROM new_rows) AS n
          ON {PG_KEY.format(row="o.doc")} = {PG_KEY.format(row="n.doc")}
        WHERE {PG_OPERATION} IS NOT NULL
    """,
}
PG_TRANSITIONS = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def create_journal_triggers() -> None:
    """Create the triggers for the schema as it is now (run inside a revision)."""
    tables = _existing_tables()
    if _postgresql():
        for event in EVENTS:
            op.execute(_pg_function(event))
            for table in tables:
                op.execute(
                    f"CREATE TRIGGER journal_{table}_{event} AFTER {event.upper()} ON {table} "
                    f"REFERENCING {PG_TRANSITIONS[event]} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION taskcli_journal_{event}()"
                )
        return
    inspector = sa.inspect(op.get_bind())
    for table in tables:
        columns = [column["name"] for column in inspector.get_columns(table)]
        for statement in _sqlite_triggers(table, columns):
            op.execute(statement)


def drop_journal_triggers() -> None:
    """Drop the triggers (those a batch-mode table copy left behind included)."""
    tables = _existing_tables()
    if _postgresql():
        for event in EVENTS:
            for table in tables:
                op.execute(f"DROP TRIGGER IF EXISTS journal_{table}_{event} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS taskcli_journal_{event}()")
        return
    for table in tables:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS journal_{table}_{event}")


def recreate_journal_triggers() -> None:
    """Call at the end of every revision that changes (or adds) a journaled table."""
    drop_journal_triggers()
    create_journal_triggers()


def _existing_tables() -> list[str]:
    """The journaled tables this revision's schema has (in ``KEYS`` order)."""
    present = set(sa.inspect(op.get_bind()).get_table_names())
    return [table for table in KEYS if table in present]


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _pg_function(event: str) -> str:
    return (
        f"CREATE FUNCTION taskcli_journal_{event}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {PG_FUNCTIONS[event]}; RETURN NULL; END $$"
    )


def _sqlite_json(columns: Sequence[str], row: str) -> str:
    return "json_object(" + ", ".join(f"'{c}', {row}.{c}" for c in columns) + ")"


def _sqlite_triggers(table: str, columns: Sequence[str]) -> list[str]:
    key = KEYS[table]
    events = {
        "insert": ("INSERT", "NEW", "NULL", _sqlite_json(columns, "NEW")),
        "update": ("UPDATE", "NEW", _sqlite_json(columns, "OLD"), _sqlite_json(columns, "NEW")),
        "delete": ("DELETE", "OLD", _sqlite_json(columns, "OLD"), "NULL"),
    }
    return [
        f"CREATE TRIGGER journal_{table}_{name} AFTER {event} ON {table} "
        f"WHEN {CURSOR} IS NOT NULL BEGIN "
        f"INSERT INTO change (operation_id, table_name, row_key, old_row, new_row) "
        f"VALUES ({CURSOR}, '{table}', {key.format(row=row)}, {old}, {new}); END"
        for name, (event, row, old, new) in events.items()
    ]
