"""The journal: every change a command makes, for undo, redo, log and history.

Row changes are captured by triggers on task, tag and task_tag, filed under
the operation the running command opened: on PostgreSQL a transaction-local
setting (``taskcli.operation_id``, read by statement-level triggers), on
SQLite (row triggers) the one-row ``journal_cursor``
table (SQLite writers are serialised, so one row is enough). Changes made
while no operation is open (other tools, undo itself) are not journaled.

Later revisions that recreate these tables (SQLite batch mode copies them)
or add columns to them must recreate the triggers too.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TASK_COLUMNS = (
    "id",
    "title",
    "note",
    "status",
    "priority",
    "due",
    "parent_id",
    "created_at",
    "updated_at",
    "completed_at",
    "external_id",
)
JOURNALED = {
    "task": (TASK_COLUMNS, "{row}.id"),
    "tag": (("id", "name"), "{row}.id"),
    "task_tag": (("task_id", "tag_id"), "{row}.task_id || ':' || {row}.tag_id"),
}
CURSOR = "(SELECT operation_id FROM journal_cursor WHERE id = 1)"

# PostgreSQL: statement-level triggers with transition tables, so a bulk
# insert of 10,000 rows files its changes in one INSERT ... SELECT rather than
# 10,000 trigger calls. A transition table serves one event, so each event has
# its own function; all three are shared by the three tables.
PG_KEY = (
    "CASE WHEN TG_TABLE_NAME = 'task_tag' "
    "THEN ({row} ->> 'task_id') || ':' || ({row} ->> 'tag_id') ELSE {row} ->> 'id' END"
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


def _pg_function(event: str) -> str:
    return (
        f"CREATE FUNCTION taskcli_journal_{event}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {PG_FUNCTIONS[event]}; RETURN NULL; END $$"
    )


def _sqlite_json(columns: Sequence[str], row: str) -> str:
    return "json_object(" + ", ".join(f"'{c}', {row}.{c}" for c in columns) + ")"


def _sqlite_triggers(table: str) -> list[str]:
    columns, key = JOURNALED[table]
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
    if op.get_bind().dialect.name == "postgresql":
        for event in PG_FUNCTIONS:
            op.execute(_pg_function(event))
            for table in JOURNALED:
                op.execute(
                    f"CREATE TRIGGER journal_{table}_{event} AFTER {event.upper()} ON {table} "
                    f"REFERENCING {PG_TRANSITIONS[event]} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION taskcli_journal_{event}()"
                )
    else:
        for table in JOURNALED:
            for statement in _sqlite_triggers(table):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in PG_FUNCTIONS:
            for table in JOURNALED:
                op.execute(f"DROP TRIGGER journal_{table}_{event} ON {table}")
            op.execute(f"DROP FUNCTION taskcli_journal_{event}()")
    else:
        for table in JOURNALED:
            for name in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER journal_{table}_{name}")
    op.drop_table("journal_cursor")
    op.drop_index("ix_change_table_name_row_key", table_name="change")
    op.drop_index(op.f("ix_change_operation_id"), table_name="change")
    op.drop_table("change")
    op.drop_index(op.f("ix_operation_user_name"), table_name="operation")
    op.drop_table("operation")
