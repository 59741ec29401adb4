"""Helpers the task services share: loading views, checking ids, locking the tree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CTE, Select, literal, select, true, union_all, update

from taskcli import queries
from taskcli.domain import MAX_DEPTH, Progress, Status, TaskView
from taskcli.errors import Conflict, TaskNotFound
from taskcli.queries import tag, task, task_tag

if TYPE_CHECKING:  # the session class is imported by the engine; reading needs no SQLModel
    from sqlmodel.ext.asyncio.session import AsyncSession

# One key for every change to the tree's shape (PostgreSQL advisory lock).
TREE_LOCK_KEY = 0x7461736B74726565  # "tasktree"


def utcnow() -> datetime:
    return datetime.now(UTC)


async def lock_tree(session: AsyncSession) -> None:
    """Serialise changes to the tree's shape across processes.

    SQLite writers already hold the write lock (``BEGIN IMMEDIATE``); on
    PostgreSQL, READ COMMITTED would let two concurrent moves build a cycle.
    """
    if dialect_name(session) == "postgresql":
        from taskcli.db.pg_turns import execute_unprepared

        # A constant and no result: one round trip by the simple protocol, not two.
        await execute_unprepared(session, f"SELECT pg_advisory_xact_lock({TREE_LOCK_KEY})")


def dialect_name(session: AsyncSession) -> str:
    """The running backend: ``sqlite`` or ``postgresql``."""
    return session.get_bind().dialect.name


async def rows(session: AsyncSession, statement: Any) -> list[Any]:
    result = await session.exec(statement)
    return list(result.all())


async def load_views(
    session: AsyncSession, selection: Select[Any], *, with_progress: bool = False
) -> list[TaskView]:
    """Run a task selection and attach tags (and progress): a fixed number of statements."""
    if dialect_name(session) == "postgresql":
        return await _load_views_in_one(session, selection, with_progress)
    # Stored text, converted once per distinct value (``queries.views_from_stored``).
    records = selection.with_only_columns(*queries.record_columns("sqlite"))
    task_rows = await rows(session, records)
    if not task_rows:
        return []
    tags = await tags_by_task(session, queries.select_tags_for(selection))
    progress: dict[int, Progress] = {}
    if with_progress:
        for task_id, done, total in await rows(session, queries.select_progress_for(selection)):
            progress[task_id] = Progress(done=int(done), total=int(total))
    return queries.views_from_stored(task_rows, tags, progress)


async def _load_views_in_one(
    session: AsyncSession, selection: Select[Any], with_progress: bool
) -> list[TaskView]:
    """PostgreSQL: tags and progress come in the selection's own statement (fewer round trips)."""
    combined = queries.with_tags_and_progress(selection, progress=with_progress)
    return [combined_view(row, with_progress) for row in await rows(session, combined)]


def combined_view(row: Any, with_progress: bool) -> TaskView:
    """A row of ``queries.with_tags_and_progress`` as a view."""
    return queries.to_view(
        row,
        row.tag_names or (),
        Progress(done=int(row.progress_done), total=int(row.progress_total))
        if with_progress and row.progress_total
        else None,
    )


async def tags_by_task(session: AsyncSession, statement: Any) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for task_id, name in await rows(session, statement):
        grouped[task_id].append(name)
    return grouped


async def require_tasks(
    session: AsyncSession, ids: Sequence[int], *, with_progress: bool = False
) -> list[TaskView]:
    """The tasks with these ids, in the order given; ``TaskNotFound`` for the first missing."""
    selection = queries.select_by_ids(ids)
    views = {v.id: v for v in await load_views(session, selection, with_progress=with_progress)}
    for task_id in ids:
        if task_id not in views:
            raise TaskNotFound(task_id)
    return [views[task_id] for task_id in dict.fromkeys(ids)]


async def require_task(session: AsyncSession, task_id: int) -> TaskView:
    return (await require_tasks(session, [task_id]))[0]


async def ensure_tags(session: AsyncSession, names: Iterable[str]) -> dict[str, int]:
    """Ids of these tags, creating the missing ones (safe against concurrent creators)."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    # Only the running backend's dialect module is imported (the other costs ~20 ms).
    existing = select(tag.c.name, tag.c.id).where(tag.c.name.in_(wanted))
    if dialect_name(session) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        # One statement: the rows it inserts (RETURNING) and those there before.
        created = (
            postgresql_insert(tag)
            .values([{"name": name} for name in wanted])
            .on_conflict_do_nothing()
            .returning(tag.c.name, tag.c.id)
            .cte("created")
        )
        found = dict(await rows(session, select(created.c.name, created.c.id).union_all(existing)))
        if len(found) == len(wanted):
            return found
        # A concurrent creator committed a name after this statement's snapshot
        # was taken: a new snapshot sees it.
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        await session.exec(
            sqlite_insert(tag).values([{"name": name} for name in wanted]).on_conflict_do_nothing()
        )
    return dict(await rows(session, existing))


async def link_tags(session: AsyncSession, ids: Sequence[int], names: Iterable[str]) -> None:
    """Tag these (existing) tasks, creating the names that are missing; links already there stay.

    PostgreSQL: one statement, where the names are inserted (``ON CONFLICT DO
    NOTHING``), found and linked in CTEs; SQLite: two (tags, then links).
    """
    wanted = sorted(set(names))
    if not wanted or not ids:
        return
    if dialect_name(session) == "postgresql":
        statement = _pg_link_tags(ids, wanted)
        if len(await rows(session, statement)) < len(wanted):
            # A concurrent creator committed a name after this statement's
            # snapshot was taken: the same statement again sees it.
            await rows(session, statement)
        return
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    await session.exec(
        sqlite_insert(tag).values([{"name": name} for name in wanted]).on_conflict_do_nothing()
    )
    pairs = _task_tag_pairs(ids, select(tag.c.id).where(tag.c.name.in_(wanted)).subquery())
    await session.exec(
        sqlite_insert(task_tag).from_select(["task_id", "tag_id"], pairs).on_conflict_do_nothing()
    )


def _pg_link_tags(ids: Sequence[int], wanted: list[str]) -> Select[Any]:
    """The names found (or created) for ``wanted``, linking them to the tasks as it runs."""
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert

    created = (
        postgresql_insert(tag)
        .values([{"name": name} for name in wanted])
        .on_conflict_do_nothing()
        .returning(tag.c.id, tag.c.name)
        .cte("created")
    )
    found = union_all(
        select(created.c.id, created.c.name),
        select(tag.c.id, tag.c.name).where(tag.c.name.in_(wanted)),
    ).cte("wanted_tag")
    linked = (
        postgresql_insert(task_tag)
        .from_select(["task_id", "tag_id"], _task_tag_pairs(ids, found))
        .on_conflict_do_nothing()
        .cte("linked")
    )
    return select(found.c.name).add_cte(linked)


def _task_tag_pairs(ids: Sequence[int], tags: Any) -> Select[Any]:
    """(task id, tag id) for each of the tasks and each of the tags (a cross join)."""
    return (
        select(task.c.id, tags.c.id)
        .select_from(task)
        .join(tags, true())
        .where(task.c.id.in_(list(ids)))
    )


async def check_room_below(session: AsyncSession, parent_id: int, *, height: int) -> None:
    """Refuse (exit 4) a subtree of ``height`` levels under ``parent_id`` past the depth limit."""
    level = await scalar(session, queries.select_depth(parent_id))
    _check_room(parent_id, level, height)


async def require_parent(session: AsyncSession, parent_id: int, *, height: int = 1) -> str:
    """The status of the task new work goes under, checked as ``require_task`` then
    ``check_room_below`` would check it, in one statement (each is a round trip or two)."""
    level = queries.select_depth(parent_id).scalar_subquery()
    found = await rows(session, select(task.c.status, level).where(task.c.id == parent_id))
    if not found:
        raise TaskNotFound(parent_id)
    status, depth = found[0]
    _check_room(parent_id, int(depth), height)
    return str(status)


def _check_room(parent_id: int, level: int, height: int) -> None:
    if level + height > MAX_DEPTH:
        raise Conflict(
            f"task {parent_id} is at depth {level}; a subtree of {height} level(s) under it "
            f"would pass the depth limit of {MAX_DEPTH}"
        )


async def scalar(session: AsyncSession, statement: Any) -> int:
    value = (await session.exec(statement)).one()[0]
    return int(value or 0)


def lineage_cte(ids: Sequence[int], name: str = "lineage") -> CTE:
    """The given tasks and all their ancestors (ids), walking parent links upwards."""
    lineage = (
        select(task.c.id, task.c.parent_id, literal(0).label("distance"))
        .where(task.c.id.in_(list(ids)))
        .cte(name, recursive=True)
    )
    parent = task.alias(f"{name}_parent")
    return lineage.union_all(
        select(parent.c.id, parent.c.parent_id, lineage.c.distance + 1)
        .join(lineage, parent.c.id == lineage.c.parent_id)
        .where(lineage.c.distance < MAX_DEPTH)
    )


async def reopen_lineage(session: AsyncSession, ids: Sequence[int]) -> list[int]:
    """Reopen these tasks and every done ancestor: a done task never has pending descendants.

    The caller holds the tree lock (``lock_tree``), so no concurrent ``done``
    can complete an ancestor between this statement and the commit. Callers
    reopen after inserting or re-parenting rows under these tasks: on
    PostgreSQL, thousands of foreign-key checks against a row this transaction
    already updated took minutes (measured: ``move 2-3000`` 51 s, 1.8 s after).
    """
    if not ids:
        return []
    lineage = lineage_cte(ids)
    changed = await rows(
        session,
        update(task)
        .where(task.c.id.in_(select(lineage.c.id)), task.c.status == Status.DONE.value)
        .values(status=Status.PENDING.value, completed_at=None, updated_at=utcnow())
        .returning(task.c.id),
    )
    return sorted(task_id for (task_id,) in changed)
