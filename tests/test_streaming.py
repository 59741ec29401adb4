"""``tree -f json`` and ``export`` stream tuple rows, yet write exactly the bytes
of the view-based rendering (task objects through ``json.dumps``)."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support import Cli
from taskhelpers import TASKCLI, Row, insert_tasks, run_shell

from taskcli import queries, render, render_records
from taskcli.config import parse_database_url
from taskcli.db.engine import make_engine, session_scope
from taskcli.services._common import load_views
from taskcli.services.reading import get_tree
from taskcli.services.transfer_match import database_identity

TITLES = ("plain", 'quote " and \\ backslash', "café ünïcode", "emoji 🌳 tree", "tab\tinside")


def _random_forest(count: int, seed: int = 11) -> list[Row]:
    """Random parents, statuses, priorities, tags, notes, times (whole and fractional seconds)."""
    rng = random.Random(seed)
    base = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    rows = []
    for task_id in range(1, count + 1):
        parent = rng.choice([None, None, *range(max(1, task_id - 20), task_id)])
        due = None
        if rng.random() < 0.5:
            due = base + timedelta(days=rng.randint(-30, 30), microseconds=rng.choice([0, 1, 250]))
        rows.append(
            Row(
                id=task_id,
                title=f"{rng.choice(TITLES)} {task_id}",
                parent_id=parent if parent != task_id else None,
                status=rng.choice(["pending", "pending", "done"]),
                priority=rng.randint(0, 3),
                due=due,
                note=rng.choice([None, "", "a note", "multi\nline é"]),
                tags=tuple(rng.sample(["zeta", "alpha", "mid", "ünï"], rng.randint(0, 3))),
                created_at=base + timedelta(seconds=task_id, microseconds=rng.choice([0, 7])),
            )
        )
    return rows


async def _reference(url: str, call: Any) -> Any:
    engine = make_engine(parse_database_url(url), lock_timeout=30)
    try:
        async with session_scope(engine, write=False) as session:
            return await call(session)
    finally:
        await engine.dispose()


def _tree_before(url: str, depth: int | None, include_done: bool) -> str:
    """``tree -f json`` as the view-based path renders it."""

    async def call(session: Any) -> Any:
        return await get_tree(session, root_id=None, depth=depth, include_done=include_done)

    return render.to_json(render.tree_objects(asyncio.run(_reference(url, call))))


def _export_before(url: str) -> str:
    """``export`` as the view-based path renders it (task objects through ``json.dumps``)."""

    async def call(session: Any) -> Any:
        views = await load_views(session, queries.select_tasks().order_by(queries.task.c.id))
        external = dict(
            (
                await session.exec(
                    queries.select_tasks().with_only_columns(
                        queries.task.c.id, queries.task.c.external_id
                    )
                )
            ).all()
        )
        return views, external, await database_identity(session)

    views, external, source = asyncio.run(_reference(url, call))
    records = [
        # The random forest has no annotations (0.3.0); tests/test_annotations.py exports some.
        json.dumps(
            {**render.task_object(view), "external_id": external[view.id], "annotations": []}
        )
        for view in views
    ]
    footer = render_records.export_footer(len(records), source)
    return render_records.export_header() + ",\n".join(records) + footer


@pytest.fixture
def random_forest(cli: Cli, db_url: str) -> Cli:
    insert_tasks(db_url, _random_forest(400))
    return cli


@pytest.mark.parametrize(
    ("options", "depth", "include_done"),
    [
        ((), None, False),
        (("--all",), None, True),
        (("--depth", "2"), 2, False),
        (("--depth", "1", "-a"), 1, True),
    ],
    ids=["default", "all", "depth-2", "depth-1-all"],
)
def test_streamed_tree_json_is_byte_identical(
    random_forest: Cli,
    db_url: str,
    options: tuple[str, ...],
    depth: int | None,
    include_done: bool,
) -> None:
    """Nested JSON written node by node equals the whole document rendered at once."""
    streamed = random_forest.ok("tree", "-f", "json", *options).stdout
    assert streamed == _tree_before(db_url, depth, include_done)
    json.loads(streamed)


def test_streamed_export_is_byte_identical(random_forest: Cli, db_url: str) -> None:
    """Records with times rendered by the database equal ``datetime.isoformat`` through views."""
    streamed = random_forest.ok("export").stdout
    assert streamed == _export_before(db_url)
    assert len(json.loads(streamed)["tasks"]) == 400


def test_empty_forest_streams_an_empty_list(cli: Cli) -> None:
    assert cli.ok("tree", "-f", "json").stdout == "[]\n"


def test_forest_of_only_hidden_tasks_is_an_empty_list(cli: Cli, db_url: str) -> None:
    """Done tasks without pending work are hidden; nothing shown is ``[]`` as before."""
    insert_tasks(db_url, [Row(1, "done", status="done"), Row(2, "child", 1, status="done")])
    assert cli.ok("tree", "-f", "json").stdout == "[]\n" == _tree_before(db_url, None, False)


@pytest.mark.parametrize("command", ["tree -f json", "tree -f json --all", "export"])
def test_streams_end_quietly_on_a_closed_pipe(cli: Cli, db_url: str, command: str) -> None:
    """A reader that leaves mid-stream: exit 0 or 141, nothing on stderr (not a database error)."""
    insert_tasks(db_url, [Row(i, f"task {i} " + "x" * 200) for i in range(1, 3001)])
    result = run_shell(
        f'{TASKCLI} {command} | head -c 1; echo " rc=${{PIPESTATUS[0]}}"',
        env={"TASKCLI_DATABASE_URL": db_url},
    )
    first, _, status = result.stdout.rpartition("rc=")
    assert first.startswith(("[", "{")), result.stdout[:80]
    assert status.strip() in ("0", "141"), (status, result.stderr)
    assert result.stderr == ""
