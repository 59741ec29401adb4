"""Raw-driver floor for SQLite: ``list`` (and ``-f ids``), ``tree``, ``show`` via ``sqlite3``.

The same statements ``taskcli`` sends and the same JSON it prints, without the
ORM, Typer or Rich, so ``bench/run.py`` can report taskcli as a multiple of it.

    python bench/floor_sqlite.py sqlite:////path/tasks.db list|ids|tree|show ID
"""

from __future__ import annotations

import sqlite3
import sys
from typing import Any

import floor_common as sql


def run(url: str, command: str, task_id: int | None) -> Any:
    path = url.partition(":///")[2]
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        connection.execute("BEGIN")
        connection.execute(sql.SCHEMA_CHECK).fetchall()
        if command == "tree":
            rows = connection.execute(sql.TREE_TASKS).fetchall()
            return sql.forest(rows, connection.execute(sql.ALL_TAGS).fetchall())
        if command == "ids":
            return connection.execute(sql.LIST_TASKS).fetchall()
        if command == "list":
            return _load(connection, sql.LIST_TASKS, sql.PENDING_IDS)
        assert task_id is not None
        (one, one_ids), (children, children_ids) = sql.show_selections(task_id)
        document = _load(connection, one, one_ids)[0]
        ancestors = connection.execute(sql.ancestors(task_id)).fetchall()
        document["ancestors"] = sql.objects(ancestors, [])
        document["subtasks"] = _load(connection, children, children_ids)
        return document
    finally:
        connection.close()


def _load(connection: sqlite3.Connection, rows_sql: str, ids_sql: str) -> list[Any]:
    rows = connection.execute(rows_sql).fetchall()
    tags = connection.execute(sql.tags_for(ids_sql)).fetchall()
    sql.progress(connection.execute(sql.progress_for(ids_sql)).fetchall())
    return sql.objects(rows, tags)


if __name__ == "__main__":
    sql.main(sys.argv[1:], run)
