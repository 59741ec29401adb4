"""Random interleavings of two users' moves, adds, deletes, undos and redos
never break the tree (both backends).

After every step: every task's parent exists, there is no cycle, no task is
deeper than the limit, and ``tree --all -f json`` shows every task exactly
once. Any step may be refused (exit 1 or 4); none may fail otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Cli, execute

from taskcli.domain import MAX_DEPTH

USERS = ({"USER": "alice", "LOGNAME": "alice"}, {"USER": "bob", "LOGNAME": "bob"})
IDS = st.integers(min_value=1, max_value=6)
STEP = st.tuples(
    st.sampled_from(USERS),
    st.one_of(
        st.tuples(st.just("move"), IDS, st.one_of(st.none(), IDS)),
        st.tuples(st.just("add"), st.one_of(st.none(), IDS)),
        st.tuples(st.just("rm"), IDS),
        st.tuples(st.just("undo")),
        st.tuples(st.just("redo")),
    ),
)


def _arguments(action: tuple[Any, ...]) -> list[str]:
    name = action[0]
    if name == "move":
        _, task_id, parent_id = action
        where = ["--root"] if parent_id is None else ["--parent", str(parent_id)]
        return ["move", str(task_id), *where]
    if name == "add":
        return ["add", "task", *([] if action[1] is None else ["-p", str(action[1])])]
    if name == "rm":
        return ["rm", str(action[1]), "-r", "-y"]
    return [name]


def _fresh_database(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        Path(db_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        execute(db_url, "TRUNCATE task_tag, task, tag, change, operation RESTART IDENTITY CASCADE")


def _check_invariants(cli: Cli, db_url: str) -> None:
    parents = dict(execute(db_url, "SELECT id, parent_id FROM task")[0])
    for task_id in parents:
        seen, current = [task_id], parents[task_id]
        while current is not None:
            assert current in parents, f"task {seen[-1]} has a missing parent {current}"
            assert current not in seen, f"cycle {[*seen, current]}"
            seen.append(current)
            current = parents[current]
        assert len(seen) <= MAX_DEPTH, f"task {task_id} at depth {len(seen)}"
    shown: list[int] = []
    pending = json.loads(cli.ok("tree", "--all", "-f", "json").stdout)
    while pending:
        node = pending.pop()
        shown.append(node["id"])
        pending.extend(node["subtasks"])
    assert sorted(shown) == sorted(parents)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=4, max_size=10))
def test_random_interleavings_keep_the_tree_whole(
    db_url: str, steps: list[tuple[dict[str, str], tuple[Any, ...]]]
) -> None:
    _fresh_database(db_url)
    cli = Cli(url=db_url, env={})
    for title in ("one", "two", "three"):
        cli.ok("add", title)
    for user, action in steps:
        result = cli(*_arguments(action), env=user)
        assert result.exit_code in (0, 1, 4), (action, result.exit_code, result.stderr)
        _check_invariants(cli, db_url)
