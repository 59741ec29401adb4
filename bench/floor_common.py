"""What the raw-driver floors share: the SQL ``taskcli`` runs and the JSON it prints.

The floors (``floor_sqlite.py``, ``floor_pg.py``) answer one question: how fast
could a read command be with no ORM, no Typer and no Rich, but the same queries
and the same output? So the statements here mirror ``taskcli/queries/`` (plain
SQL, one dialect-neutral text) and the documents mirror ``taskcli/render.py``
(the same keys, ISO times with offsets, the same layout). Standard library only:
importing this must cost nothing.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

MAX_DEPTH = 64
PRIORITY_LABELS = ("none", "low", "medium", "high")
COLUMNS = (
    "id, title, note, status, priority, due, parent_id, created_at, updated_at, completed_at, "
    "wait, scheduled"
)
SCHEMA_CHECK = "SELECT version_num FROM alembic_version"
ALL_TASKS = f"SELECT {COLUMNS} FROM task"
ALL_TAGS = "SELECT task_tag.task_id, tag.name FROM task_tag JOIN tag ON tag.id = task_tag.tag_id"
# ``queries.filters.not_waiting``; UTC text compares as SQLite stores it and PostgreSQL reads it.
_NOW = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
NOT_WAITING = f"(wait IS NULL OR wait <= '{_NOW}' OR status <> 'pending')"
PENDING_IDS = f"SELECT id FROM task WHERE status = 'pending' AND {NOT_WAITING}"
LIST_TASKS = f"{ALL_TASKS} WHERE status = 'pending' AND {NOT_WAITING} ORDER BY due IS NULL, due, id"
#: ``tree``: every task, and whether it is waiting (``tree`` hides those with their subtrees).
TREE_TASKS = f"SELECT {COLUMNS}, NOT {NOT_WAITING} FROM task"

#: (selection of task rows, the same selection as ids only) for ``show ID``.
Selection = tuple[str, str]


def tags_for(ids_sql: str) -> str:
    """(task id, tag name) for the tasks an id query selects."""
    return f"{ALL_TAGS} WHERE task_tag.task_id IN ({ids_sql})"


def progress_for(ids_sql: str) -> str:
    """(task id, done, total) over all descendants: the recursive CTE ``list`` runs."""
    return (
        "WITH RECURSIVE descendant(root_id, id, depth) AS ("
        f" SELECT parent_id, id, 1 FROM task WHERE parent_id IN ({ids_sql})"
        " UNION ALL SELECT descendant.root_id, child.id, descendant.depth + 1"
        " FROM task AS child JOIN descendant ON child.parent_id = descendant.id"
        f" WHERE descendant.depth < {MAX_DEPTH})"
        " SELECT descendant.root_id,"
        " sum(CASE WHEN task.status = 'done' THEN 1 ELSE 0 END), count(*)"
        " FROM descendant JOIN task ON task.id = descendant.id GROUP BY descendant.root_id"
    )


def ancestors(task_id: int) -> str:
    """The ancestors of a task, root first (``show``'s path)."""
    return (
        "WITH RECURSIVE ancestor(id, distance) AS ("
        f" SELECT parent_id, 1 FROM task WHERE id = {int(task_id)} AND parent_id IS NOT NULL"
        " UNION ALL SELECT parent.parent_id, ancestor.distance + 1"
        " FROM task AS parent JOIN ancestor ON parent.id = ancestor.id"
        f" WHERE parent.parent_id IS NOT NULL AND ancestor.distance < {MAX_DEPTH})"
        f" SELECT {', '.join('task.' + c.strip() for c in COLUMNS.split(','))}"
        " FROM task JOIN ancestor ON ancestor.id = task.id ORDER BY ancestor.distance DESC"
    )


def show_selections(task_id: int) -> tuple[Selection, Selection]:
    """(the task itself, its direct subtasks) as (rows query, ids query)."""
    one = f"WHERE id = {int(task_id)}"
    children = f"WHERE parent_id = {int(task_id)}"
    return (
        (f"{ALL_TASKS} {one}", f"SELECT id FROM task {one}"),
        (f"{ALL_TASKS} {children} ORDER BY id", f"SELECT id FROM task {children}"),
    )


def iso(value: Any) -> str | None:
    """ISO 8601 with offset: SQLite gives naive UTC text, asyncpg aware datetimes."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value).replace(" ", "T")
    return text if "+" in text[10:] else f"{text}+00:00"


def task_object(row: Sequence[Any], tags: dict[int, list[str]]) -> dict[str, Any]:
    """The SPEC's task object from a row in ``COLUMNS`` order."""
    (task_id, title, note, status, priority, due, parent_id, created, updated, completed) = row[:10]
    return {
        "id": task_id,
        "title": title,
        "note": note,
        "status": status,
        "priority": PRIORITY_LABELS[priority],
        "due": iso(due),
        "tags": sorted(tags.get(task_id, ())),
        "parent_id": parent_id,
        "created_at": iso(created),
        "updated_at": iso(updated),
        "completed_at": iso(completed),
        "wait": iso(row[10]),
        "scheduled": iso(row[11]),
    }


def group_tags(rows: Iterable[Sequence[Any]]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for task_id, name in rows:
        grouped[task_id].append(name)
    return grouped


def objects(rows: Iterable[Sequence[Any]], tag_rows: Iterable[Sequence[Any]]) -> list[Any]:
    """Task objects for ``list`` and ``show``, tags attached."""
    tags = group_tags(tag_rows)
    return [task_object(row, tags) for row in rows]


def progress(rows: Iterable[Sequence[Any]]) -> dict[int, tuple[int, int]]:
    """(done, total) by task id: fetched and kept, as ``list`` does for its table."""
    return {task_id: (int(done), int(total)) for task_id, done, total in rows}


def forest(rows: Sequence[Sequence[Any]], tag_rows: Iterable[Sequence[Any]]) -> list[Any]:
    """``tree -f json``: roots with nested ``subtasks`` and rolled-up ``progress``.

    Pending tasks, plus done ones with pending descendants (as ``tree`` without ``--all``);
    not waiting ones (rows of ``TREE_TASKS``).
    """
    tags = group_tags(tag_rows)
    by_id = {row[0]: row for row in rows}
    children: dict[int | None, list[int]] = defaultdict(list)
    for task_id in sorted(by_id):
        parent = by_id[task_id][6]
        children[parent if parent in by_id else None].append(task_id)
    order: list[int] = []
    stack = list(children[None])
    while stack:
        task_id = stack.pop()
        order.append(task_id)
        stack.extend(children[task_id])
    done: dict[int, int] = {}
    total: dict[int, int] = {}
    for task_id in reversed(order):
        kids = children[task_id]
        done[task_id] = sum(done[c] + (by_id[c][3] == "done") for c in kids)
        total[task_id] = sum(total[c] + 1 for c in kids)

    def visible(task_id: int) -> bool:
        if by_id[task_id][12]:  # waiting
            return False
        return by_id[task_id][3] == "pending" or done[task_id] < total[task_id]

    def build(task_id: int) -> dict[str, Any]:
        node = task_object(by_id[task_id], tags)
        node["progress"] = {"done": done[task_id], "total": total[task_id]}
        node["subtasks"] = [build(c) for c in children[task_id] if visible(c)]
        return node

    return [build(task_id) for task_id in children[None] if visible(task_id)]


def print_json(document: Any) -> None:
    """As ``render.to_json``: a list is one compact element per line, an object indented."""
    if isinstance(document, list):
        items = ",\n".join(json.dumps(item, ensure_ascii=True) for item in document)
        text = "[\n" + items + "\n]\n" if document else "[]\n"
    else:
        text = json.dumps(document, ensure_ascii=True, indent=2) + "\n"
    sys.stdout.write(text)
    sys.stdout.flush()


def print_ids(rows: Iterable[Sequence[Any]]) -> None:
    sys.stdout.write("".join(f"{row[0]}\n" for row in rows))
    sys.stdout.flush()


def main(argv: Sequence[str], run: Callable[[str, str, int | None], Any]) -> None:
    """``floor_X.py URL list|ids|tree|show [ID]``: ``run(url, command, id)`` gives the output.

    ``ids`` is ``list -f ids``: the same selection, no tags or progress, one id a line.
    """
    if len(argv) < 2 or argv[1] not in ("list", "ids", "tree", "show"):
        sys.stderr.write("usage: floor URL list|ids|tree|show ID\n")
        raise SystemExit(2)
    task_id = int(argv[2]) if argv[1] == "show" else None
    output = run(argv[0], argv[1], task_id)
    if argv[1] == "ids":
        print_ids(output)
    else:
        print_json(output)
