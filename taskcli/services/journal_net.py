"""SQL for one operation's net effect per row, for undo and redo to work from.

An operation may touch a row several times; what counts is the row before its
first change and after its last. ``net_cte`` computes both in the database,
from the ``change`` table, so undo and redo never hold the rows in memory:
every check and every restore is one statement over this set, whatever the
operation's size.
"""

from __future__ import annotations

from dataclasses import dataclass

KEYS: dict[str, tuple[str, ...]] = {
    "task": ("id",),
    "tag": ("id",),
    "task_tag": ("task_id", "tag_id"),
    "annotation": ("task_id", "id"),  # row key "task_id:id", like the trigger's
    "time_interval": ("task_id", "id"),
    "task_blocker": ("task_id", "blocked_by_id"),
}


@dataclass(frozen=True)
class Net:
    """SQL fragments for one table, one operation, one direction, one dialect.

    In statements built from it, ``net`` has ``row_key``, ``key_<column>`` for
    each key column, ``target`` (the row to restore, NULL = absent) and
    ``expected`` (the row the operation left, NULL = absent); ``live`` is the
    table's row now.
    """

    table: str
    backwards: bool
    postgres: bool
    columns: tuple[str, ...]  # the table's columns now (SQLite's live JSON)

    @property
    def keys(self) -> tuple[str, ...]:
        return KEYS[self.table]

    def cte(self) -> str:
        """``net AS (...)``: one row per row the operation ``:operation_id`` touched."""
        target, expected = (
            ("f.old_row", "l.new_row") if self.backwards else ("l.new_row", "f.old_row")
        )
        keys = ", ".join(
            f"{self._key_part(index)} AS key_{column}" for index, column in enumerate(self.keys)
        )
        return (
            "span AS (SELECT row_key, min(id) AS first_id, max(id) AS last_id FROM change "
            f"WHERE operation_id = :operation_id AND table_name = '{self.table}' "
            "GROUP BY row_key), "
            f"net AS (SELECT span.row_key, {keys}, {target} AS target, {expected} AS expected "
            "FROM span JOIN change f ON f.id = span.first_id "
            "JOIN change l ON l.id = span.last_id)"
        )

    def _key_part(self, index: int) -> str:
        if len(self.keys) == 1:
            return "CAST(span.row_key AS INTEGER)"
        if self.postgres:
            return f"CAST(split_part(span.row_key, ':', {index + 1}) AS INTEGER)"
        colon = "instr(span.row_key, ':')"
        part = (
            f"substr(span.row_key, 1, {colon} - 1)"
            if index == 0
            else f"substr(span.row_key, {colon} + 1)"
        )
        return f"CAST({part} AS INTEGER)"

    def _change_of(self, task_id: str) -> str:
        return (
            f"FROM change AS c WHERE c.table_name = '{self.table}' "
            f"AND c.row_key = CAST({task_id} AS TEXT) AND +c.operation_id = :operation_id"
        )

    def touched(self, row_id: str) -> str:
        """Did the operation touch the row with this id? (an index lookup, not a join)"""
        return f"EXISTS (SELECT 1 {self._change_of(row_id)})"

    def target_of(self, row_id: str) -> str:
        """The row to restore for this id (NULL: absent, or not touched), by index lookup.

        Lookups rather than joins on ``net``: the planner cannot know how many
        rows ``net`` has (statistics lag behind a large operation), and a
        nested loop over it would be quadratic.
        """
        column, order = ("old_row", "") if self.backwards else ("new_row", " DESC")
        return f"(SELECT c.{column} {self._change_of(row_id)} ORDER BY c.id{order} LIMIT 1)"

    def join(self, alias: str = "live", net: str = "net") -> str:
        """The condition matching ``alias`` (a row of the table) to its ``net`` row."""
        return " AND ".join(f"{alias}.{column} = {net}.key_{column}" for column in self.keys)

    def present(self, alias: str = "live") -> str:
        """True when the outer-joined live row exists."""
        return f"{alias}.{self.keys[0]} IS NOT NULL"

    def document(self, alias: str = "live") -> str:
        """The live row as the journal's JSON (PostgreSQL: jsonb)."""
        if self.postgres:
            return f"to_jsonb({alias})"
        return "json_object(" + ", ".join(f"'{c}', {alias}.{c}" for c in self.columns) + ")"

    def contains(self, captured: str, alias: str = "live") -> str:
        """Is the live row as ``captured`` (JSON text) says? Only captured columns count.

        A column added after the change was captured is not part of the
        comparison (the journal never knew its value), so a schema change does
        not turn every old operation into a conflict. SQLite compares the
        whole text first (the trigger wrote it with the same ``json_object``),
        then column by column.
        """
        if self.postgres:
            return f"({self.document(alias)} @> CAST({captured} AS jsonb))"
        each = " AND ".join(
            f"(json_type({captured}, '$.\"{c}\"') IS NULL "
            f"OR json_extract({captured}, '$.\"{c}\"') IS {alias}.{c})"
            for c in self.columns
        )
        return f"({self.document(alias)} = {captured} OR ({each}))"

    def matches(self, captured: str, alias: str = "live") -> str:
        """The live row (outer-joined, maybe absent) is as ``captured`` (maybe NULL)."""
        present = self.present(alias)
        return (
            f"(({present} AND {captured} IS NOT NULL AND {self.contains(captured, alias)})"
            f" OR (NOT {present} AND {captured} IS NULL))"
        )

    def column_set(self, document: str = "net.target") -> str:
        """Which columns ``document`` holds, as one string (to group rows by schema).

        SQLite: one flag per column of the table now (a captured column the
        table no longer has cannot be restored anyway).
        """
        if self.postgres:
            return (
                "(SELECT string_agg(captured_column, ',' ORDER BY captured_column) "
                f"FROM jsonb_object_keys(CAST({document} AS jsonb)) AS captured_column)"
            )
        return " || ".join(
            f"(CASE WHEN json_type({document}, '$.\"{c}\"') IS NULL THEN '' ELSE '{c},' END)"
            for c in self.columns
        )

    def value(self, column: str, document: str = "net.target") -> str:
        """One captured column's value, typed as the table's column (PostgreSQL)."""
        if self.postgres:
            return f"captured.{column}"
        return f"json_extract({document}, '$.\"{column}\"')"

    def captured_source(self) -> str:
        """What ``value`` reads from: PostgreSQL needs the document as a record."""
        if self.postgres:
            return (
                f" CROSS JOIN LATERAL jsonb_populate_record(NULL::{self.table}, "
                "CAST(net.target AS jsonb)) AS captured"
            )
        return ""
