"""Benchmark datasets: a forest like real use, generated fresh, never committed.

1-9 children per node, depth up to 6, about 10% done, some tags, due dates
and priorities. Rows go in through the same batched ORM insert that
``taskcli add -`` uses, level by level, in one transaction.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.config import DatabaseUrl, Settings
from taskcli.db.engine import make_engine, session_scope
from taskcli.db.migrate import upgrade
from taskcli.models import Task, TaskTag
from taskcli.services._common import ensure_tags, utcnow

MAX_DEPTH = 6
TAGS = ("work", "home", "errand", "idea", "urgent")
CHUNK = 5_000  # rows per INSERT ... RETURNING


def forest_shape(total: int, seed: int = 7) -> list[tuple[int, int | None]]:
    """(node index, parent index) pairs in breadth-first order, ``total`` nodes."""
    rng = random.Random(seed)
    nodes: list[tuple[int, int | None]] = []
    depth: dict[int, int] = {}
    frontier: list[int] = []
    while len(nodes) < total:
        if not frontier:
            index = len(nodes)
            nodes.append((index, None))
            depth[index] = 1
            frontier.append(index)
            continue
        parent = frontier.pop(0)
        for _ in range(rng.randint(1, 9)):
            if len(nodes) >= total:
                break
            index = len(nodes)
            nodes.append((index, parent))
            depth[index] = depth[parent] + 1
            if depth[index] < MAX_DEPTH:
                frontier.append(index)
        if rng.random() < 0.05:  # start a new root now and then
            frontier.clear()
    return nodes


async def _populate(session: AsyncSession, total: int, seed: int) -> None:
    rng = random.Random(seed)
    tag_ids = list((await ensure_tags(session, TAGS)).values())
    now = utcnow()
    ids: dict[int, int] = {}
    levels: dict[int | None, list[int]] = {}
    shape = forest_shape(total, seed)
    for index, parent in shape:
        levels.setdefault(parent, []).append(index)
    pending_parents: list[int | None] = [None]
    while pending_parents:
        batch: list[tuple[int, int | None]] = [
            (index, parent) for parent in pending_parents for index in levels.get(parent, [])
        ]
        if not batch:
            break
        rows = [
            {
                "title": f"Task {index} {rng.choice(('plan', 'write', 'review', 'call', 'fix'))}",
                "note": None,
                "status": "done" if rng.random() < 0.1 else "pending",
                "priority": rng.randint(0, 3),
                "due": now + timedelta(days=rng.randint(-10, 60)) if rng.random() < 0.3 else None,
                "parent_id": ids[parent] if parent is not None else None,
                "created_at": now,
                "updated_at": now,
            }
            for index, parent in batch
        ]
        # Chunks, as ``add -`` does: one RETURNING statement over a whole level
        # makes SQLAlchemy splice its result pages quadratically (minutes at 100,000).
        for start in range(0, len(rows), CHUNK):
            statement = insert(Task).returning(Task.id)  # type: ignore[call-overload]
            result = await session.exec(statement, params=rows[start : start + CHUNK])
            new_ids = sorted(result.scalars())  # type: ignore[attr-defined]
            for (index, _), task_id in zip(batch[start : start + CHUNK], new_ids, strict=True):
                ids[index] = task_id
        links = [
            {"task_id": ids[index], "tag_id": rng.choice(tag_ids)}
            for index, _ in batch
            if rng.random() < 0.3
        ]
        if links:
            await session.exec(insert(TaskTag), params=links)  # type: ignore[call-overload]
        pending_parents = [index for index, _ in batch]


async def _generate(database: DatabaseUrl, total: int, seed: int) -> None:
    engine = make_engine(database, lock_timeout=30)
    try:
        async with session_scope(engine, write=True) as session:
            await _populate(session, total, seed)
    finally:
        await engine.dispose()


def generate(database: DatabaseUrl, total: int, seed: int = 7) -> None:
    """Migrate an empty database to head and fill it with ``total`` tasks."""
    upgrade(Settings(database=database))
    asyncio.run(_generate(database, total, seed))
