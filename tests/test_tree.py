"""``tree``: the forest or one subtree, rolled-up progress, pruning of done
tasks, ``--depth``, ``--all`` and the tree/json/outline formats."""

from __future__ import annotations

from typing import Any

import pytest
from support import Cli
from taskhelpers import Row, as_json, assert_task_object, insert_tasks

FOREST = [
    Row(1, "Alpha"),
    Row(2, "A1", parent_id=1),
    Row(3, "A2", parent_id=1, status="done"),
    Row(4, "A1a", parent_id=2, status="done"),
    Row(5, "A1b", parent_id=2, priority=3, tags=("x",)),
    Row(6, "Beta", status="done"),
    Row(7, "B1", parent_id=6),
    Row(8, "Gamma", status="done"),
    Row(9, "G1", parent_id=8, status="done"),
    Row(10, "Delta"),
]


@pytest.fixture
def forest(cli: Cli, db_url: str) -> Cli:
    """Three kinds of done task: a leaf, a parent of pending work, a finished subtree."""
    insert_tasks(db_url, FOREST)
    return cli


def _shape(nodes: list[dict[str, Any]]) -> list[Any]:
    """(id, (done, total), children) for a ``tree -f json`` document."""
    return [
        (
            node["id"],
            (node["progress"]["done"], node["progress"]["total"]),
            _shape(node["subtasks"]),
        )
        for node in nodes
    ]


def test_default_hides_done_tasks_without_pending_descendants(forest: Cli) -> None:
    """Done leaves and finished subtrees are hidden; a done parent of pending work stays."""
    assert _shape(as_json(forest, "tree")) == [
        (1, (2, 4), [(2, (1, 2), [(5, (0, 0), [])])]),
        (6, (0, 1), [(7, (0, 0), [])]),
        (10, (0, 0), []),
    ]


def test_all_includes_done_tasks(forest: Cli) -> None:
    """``--all`` shows everything; progress is the same either way."""
    assert _shape(as_json(forest, "tree", "--all")) == [
        (1, (2, 4), [(2, (1, 2), [(4, (0, 0), []), (5, (0, 0), [])]), (3, (0, 0), [])]),
        (6, (0, 1), [(7, (0, 0), [])]),
        (8, (1, 1), [(9, (0, 0), [])]),
        (10, (0, 0), []),
    ]


def test_json_nodes_are_task_objects_with_progress_and_subtasks(forest: Cli) -> None:
    """Every node is a task object plus ``progress`` and ``subtasks``."""
    stack = list(as_json(forest, "tree", "--all"))
    seen = 0
    while stack:
        node = stack.pop()
        assert_task_object(node, frozenset({"progress", "subtasks"}))
        assert set(node["progress"]) == {"done", "total"}
        stack.extend(node["subtasks"])
        seen += 1
    assert seen == len(FOREST)


def test_subtree_json_is_one_object(forest: Cli) -> None:
    """``tree ID -f json`` prints the node itself, not an array."""
    alpha = as_json(forest, "tree", "1")
    assert isinstance(alpha, dict)
    assert _shape([alpha]) == [(1, (2, 4), [(2, (1, 2), [(5, (0, 0), [])])])]
    a1 = as_json(forest, "tree", "2", "--all")
    assert isinstance(a1, dict)
    assert _shape([a1]) == [(2, (1, 2), [(4, (0, 0), []), (5, (0, 0), [])])]
    assert a1["parent_id"] == 1


def test_subtree_of_a_finished_task_is_still_one_object(forest: Cli) -> None:
    """Naming a done task with no pending work still gives one object (SPEC: one object)."""
    gamma = as_json(forest, "tree", "8")
    assert isinstance(gamma, dict)
    assert gamma["id"] == 8
    assert gamma["subtasks"] == []
    assert forest.ok("tree", "8").stdout == "✓ 8 Gamma  [1/1]\n"
    assert _shape([as_json(forest, "tree", "8", "--all")]) == [(8, (1, 1), [(9, (0, 0), [])])]


@pytest.mark.parametrize(
    ("depth", "expected"),
    [
        ("1", [(1, (2, 4), []), (6, (0, 1), []), (10, (0, 0), [])]),
        ("2", [(1, (2, 4), [(2, (1, 2), [])]), (6, (0, 1), [(7, (0, 0), [])]), (10, (0, 0), [])]),
        (
            "3",
            [
                (1, (2, 4), [(2, (1, 2), [(5, (0, 0), [])])]),
                (6, (0, 1), [(7, (0, 0), [])]),
                (10, (0, 0), []),
            ],
        ),
    ],
)
def test_depth_limits_levels_not_progress(forest: Cli, depth: str, expected: list[Any]) -> None:
    """``--depth N`` shows N levels; progress still counts every descendant."""
    assert _shape(as_json(forest, "tree", "--depth", depth)) == expected


def test_depth_under_a_subtree(forest: Cli) -> None:
    """``tree ID --depth 1`` is the node alone, with its full progress."""
    assert _shape([as_json(forest, "tree", "1", "--depth", "1")]) == [(1, (2, 4), [])]


def test_text_tree(forest: Cli) -> None:
    """The Rich tree: status mark, id, title, [done/total], tags; one line per task."""
    assert forest.ok("tree").stdout == (
        "○ 1 Alpha  [2/4]\n"
        "└── ○ 2 A1  [1/2]\n"
        "    └── ○ 5 (H) A1b  +x\n"
        "✓ 6 Beta  [0/1]\n"
        "└── ○ 7 B1\n"
        "○ 10 Delta\n"
    )


def test_text_tree_all(forest: Cli) -> None:
    """With ``--all`` the done leaves and the finished subtree appear, marked done."""
    assert forest.ok("tree", "--all").stdout == (
        "○ 1 Alpha  [2/4]\n"
        "├── ○ 2 A1  [1/2]\n"
        "│   ├── ✓ 4 A1a\n"
        "│   └── ○ 5 (H) A1b  +x\n"
        "└── ✓ 3 A2\n"
        "✓ 6 Beta  [0/1]\n"
        "└── ○ 7 B1\n"
        "✓ 8 Gamma  [1/1]\n"
        "└── ✓ 9 G1\n"
        "○ 10 Delta\n"
    )


def test_outline_is_a_markdown_checklist(forest: Cli) -> None:
    """``-f outline``: ``- [ ]``/``- [x]`` items, two spaces per level."""
    assert forest.ok("tree", "-f", "outline").stdout == (
        "- [ ] Alpha\n  - [ ] A1\n    - [ ] A1b\n- [x] Beta\n  - [ ] B1\n- [ ] Delta\n"
    )
    assert forest.ok("tree", "--all", "-f", "outline").stdout == (
        "- [ ] Alpha\n"
        "  - [ ] A1\n"
        "    - [x] A1a\n"
        "    - [ ] A1b\n"
        "  - [x] A2\n"
        "- [x] Beta\n"
        "  - [ ] B1\n"
        "- [x] Gamma\n"
        "  - [x] G1\n"
        "- [ ] Delta\n"
    )
    assert forest.ok("tree", "2", "-f", "outline", "--all").stdout == (
        "- [ ] A1\n  - [x] A1a\n  - [ ] A1b\n"
    )


def test_empty_forest(cli: Cli) -> None:
    """No tasks is a success: ``[]`` and no output."""
    assert cli.ok("tree", "-f", "json").stdout.strip() == "[]"
    assert cli.ok("tree").stdout == ""
    assert cli.ok("tree", "-f", "outline").stdout == ""


def test_tree_of_the_deepest_allowed_chain(cli: Cli, db_url: str) -> None:
    """64 levels render in every format (no recursion limits, no truncation)."""
    insert_tasks(
        db_url, [Row(i, f"level {i}", parent_id=i - 1 if i > 1 else None) for i in range(1, 65)]
    )
    [root] = as_json(cli, "tree")
    node, levels = root, 1
    while node["subtasks"]:
        assert node["progress"] == {"done": 0, "total": 64 - levels}
        [node] = node["subtasks"]
        levels += 1
    assert (levels, node["id"]) == (64, 64)
    outline = cli.ok("tree", "-f", "outline").stdout.splitlines()
    assert len(outline) == 64
    assert outline[-1] == " " * 126 + "- [ ] level 64"
    text = cli.ok("tree").stdout.splitlines()
    assert len(text) == 64
    assert text[-1].endswith("○ 64 level 64")
