"""Raw-driver floor for PostgreSQL: ``list`` (and ``-f ids``), ``tree``, ``show`` with ``asyncpg``.

The same statements ``taskcli`` sends and the same JSON it prints, in one
transaction, without SQLAlchemy, Typer or Rich.

    python bench/floor_pg.py postgresql://user@host/db list|ids|tree|show ID
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import asyncpg
import floor_common as sql


async def _run(url: str, command: str, task_id: int | None) -> Any:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        async with connection.transaction(readonly=True):
            await connection.fetch(sql.SCHEMA_CHECK)
            if command == "tree":
                rows = await connection.fetch(sql.TREE_TASKS)
                return sql.forest(rows, await connection.fetch(sql.ALL_TAGS))
            if command == "ids":
                return await connection.fetch(sql.LIST_TASKS)
            if command == "list":
                return await _load(connection, sql.LIST_TASKS, sql.PENDING_IDS)
            assert task_id is not None
            (one, one_ids), (children, children_ids) = sql.show_selections(task_id)
            document = (await _load(connection, one, one_ids))[0]
            ancestors = await connection.fetch(sql.ancestors(task_id))
            document["ancestors"] = sql.objects(ancestors, [])
            document["subtasks"] = await _load(connection, children, children_ids)
            return document
    finally:
        await connection.close()


async def _load(connection: Any, rows_sql: str, ids_sql: str) -> list[Any]:
    rows = await connection.fetch(rows_sql)
    tags = await connection.fetch(sql.tags_for(ids_sql))
    sql.progress(await connection.fetch(sql.progress_for(ids_sql)))
    return sql.objects(rows, tags)


def run(url: str, command: str, task_id: int | None) -> Any:
    return asyncio.run(_run(url, command, task_id))


if __name__ == "__main__":
    sql.main(sys.argv[1:], run)
