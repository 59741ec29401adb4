"""The commands that change tasks: done, undone, edit, move, rm.

Each is all-or-nothing: a refused or partly invalid request leaves every
table exactly as it was (compared with a full dump).
"""

from __future__ import annotations

from datetime import datetime, time

import pytest
from support import Cli, dump, error_line, execute
from taskhelpers import Row, add, as_json, insert_tasks, list_ids, run_interactive

from taskcli.dates import parse_date


def _parents(url: str) -> dict[int, int | None]:
    [rows] = execute(url, "SELECT id, parent_id FROM task ORDER BY id")
    return dict(rows)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


# -- done / undone ------------------------------------------------------------


@pytest.fixture
def project(cli: Cli, db_url: str) -> Cli:
    """1 Project > (2 Spec > 4 Draft, 5 Review [done]), 3 Ship; 6 Other; 7 Lone child of 6."""
    insert_tasks(
        db_url,
        [
            Row(1, "Project", tags=("work",)),
            Row(2, "Spec", parent_id=1, tags=("work", "doc")),
            Row(3, "Ship", parent_id=1),
            Row(4, "Draft", parent_id=2),
            Row(5, "Review", parent_id=2, status="done"),
            Row(6, "Other"),
            Row(7, "Lone child", parent_id=6, tags=("doc",)),
        ],
    )
    return cli


@pytest.mark.parametrize(
    ("task_id", "message"),
    [
        ("1", "task 1 has 3 pending subtasks; use -r"),
        ("2", "task 2 has 1 pending subtask; use -r"),
        ("6", "task 6 has 1 pending subtask; use -r"),
    ],
)
def test_done_refuses_pending_descendants(
    project: Cli, db_url: str, task_id: str, message: str
) -> None:
    """Exit 4, the number of pending descendants (all levels), the -r hint; nothing changes."""
    before = dump(db_url)
    assert message in error_line(project.fails(4, "done", task_id))
    assert dump(db_url) == before


def test_done_refusal_in_a_batch_changes_nothing(project: Cli, db_url: str) -> None:
    """``done 4 1``: 4 alone would be fine, but 1 is refused, so 4 stays pending too."""
    before = dump(db_url)
    assert "task 1 has" in error_line(project.fails(4, "done", "4", "1"))
    assert dump(db_url) == before


def test_done_recursive_completes_the_subtree_only(project: Cli, db_url: str) -> None:
    """``done -r`` completes all descendants, keeps earlier completion times, nothing else."""
    [[(review_completed,)]] = execute(db_url, "SELECT completed_at FROM task WHERE id = 5")
    result = project.ok("done", "-r", "2")
    assert result.stdout == "Completed task 2: Spec\nCompleted task 4: Draft\n"
    done = {t["id"]: t for t in as_json(project, "list", "--status", "done")}
    assert sorted(done) == [2, 4, 5]
    assert done[2]["completed_at"] == done[4]["completed_at"]
    [[(still,)]] = execute(db_url, "SELECT completed_at FROM task WHERE id = 5")
    assert still == review_completed
    assert list_ids(project, "--sort", "id") == [1, 3, 6, 7]
    project.ok("done", "-r", "1", "6")
    assert list_ids(project) == []


def test_done_several_and_leaf(project: Cli) -> None:
    """Several ids complete together; each gets a line."""
    result = project.ok("done", "4", "3", "4")
    assert result.stdout == "Completed task 3: Ship\nCompleted task 4: Draft\n"
    objects = as_json(project, "done", "7")
    assert [o["id"] for o in objects] == [7]
    assert objects[0]["status"] == "done"


@pytest.mark.parametrize(
    "args",
    [
        ("done", "4", "424242"),
        ("done", "-r", "1", "424242"),
        ("undone", "5", "424242"),
        ("rm", "-y", "3", "424242"),
        ("rm", "-r", "-y", "1", "424242"),
    ],
)
def test_one_missing_id_changes_nothing(project: Cli, db_url: str, args: tuple[str, ...]) -> None:
    """Any missing id: exit 1 naming it, and the valid ids are not changed either."""
    before = dump(db_url)
    assert error_line(project.fails(1, *args)) == "Error: no task 424242"
    assert dump(db_url) == before


def test_undone_reopens(project: Cli, db_url: str) -> None:
    """``undone`` sets pending and clears completed_at; a pending task stays as it is."""
    result = project.ok("undone", "5", "4")
    assert result.stdout == "Reopened task 5: Review\n"
    assert result.stderr == "Task 4 was already pending.\n"  # said, not claimed as a change
    review = as_json(project, "show", "5")
    assert review["status"] == "pending"
    assert review["completed_at"] is None
    assert _time(review["updated_at"]) > _time(review["created_at"])
    assert as_json(project, "tree", "2")["progress"] == {"done": 0, "total": 2}


# -- edit -----------------------------------------------------------------------


def test_edit_fields(cli: Cli) -> None:
    """Each option changes its field only; created_at stays, updated_at moves."""
    add(cli, "Old title", "-P", "low", "-n", "old note", "-t", "keep")
    before = as_json(cli, "show", "1")
    result = cli.ok("edit", "1", "--title", "  New title ", "--priority", "high")
    assert result.stdout == "Updated task 1: New title\n"
    after = as_json(cli, "show", "1")
    assert (after["title"], after["priority"], after["note"]) == ("New title", "high", "old note")
    assert after["tags"] == ["keep"]
    assert after["created_at"] == before["created_at"]
    assert _time(after["updated_at"]) > _time(before["updated_at"])
    edited = as_json(cli, "edit", "1", "--note", "line 1\nline 2")
    assert edited["note"] == "line 1\nline 2"
    assert as_json(cli, "edit", "1", "--note", "")["note"] is None


def test_edit_due_and_none_clears(cli: Cli) -> None:
    """``--due DATE`` sets (a date alone is the end of the day); ``--due none`` clears."""
    add(cli, "x", "--due", "tomorrow")
    edited = as_json(cli, "edit", "1", "--due", "2027-03-04")
    expected = datetime.combine(datetime(2027, 3, 4).date(), time(23, 59, 59)).astimezone()
    assert datetime.fromisoformat(edited["due"]) == expected
    assert as_json(cli, "edit", "1", "--due", "none")["due"] is None
    assert as_json(cli, "edit", "1", "--due", "NONE")["due"] is None
    assert list_ids(cli, "--due-before", "2030-01-01") == []


def test_edit_tags_plus_and_minus(cli: Cli, db_url: str) -> None:
    """``--tag +a --tag -b`` adds a and removes b in one edit; ``-b`` parses as a value."""
    add(cli, "x", "-t", "b", "-t", "c")
    assert as_json(cli, "edit", "1", "--tag", "+a", "--tag", "-b")["tags"] == ["a", "c"]
    assert as_json(cli, "edit", "1", "--tag=-c", "--tag", "D")["tags"] == ["a", "d"]
    assert as_json(cli, "edit", "1", "-t", "-a", "-t", "-nosuch")["tags"] == ["d"]
    assert as_json(cli, "edit", "1", "-t", "+d")["tags"] == ["d"]
    [[(links,)]] = execute(db_url, "SELECT count(*) FROM task_tag")
    assert links == 1


def test_edit_tags_of_one_task_leave_others_alone(cli: Cli) -> None:
    """Removing a tag from one task does not remove it from another."""
    add(cli, "one", "-t", "shared")
    add(cli, "two", "-t", "shared")
    cli.ok("edit", "1", "--tag", "-shared")
    assert as_json(cli, "show", "2")["tags"] == ["shared"]
    assert list_ids(cli, "--tag", "shared") == [2]


# -- move -----------------------------------------------------------------------


@pytest.fixture
def chain(cli: Cli, db_url: str) -> Cli:
    """1 > 2 > 3 > 4 > 5, plus 6 > 7 and 8 alone."""
    insert_tasks(
        db_url,
        [Row(i, f"c{i}", parent_id=i - 1 if i > 1 else None) for i in range(1, 6)]
        + [Row(6, "six"), Row(7, "seven", parent_id=6), Row(8, "eight")],
    )
    return cli


@pytest.mark.parametrize(
    ("task_id", "parent", "message"),
    [
        ("3", "3", "cannot move task 3 under itself"),
        ("4", "5", "cannot move 4 under 5: 5 is inside 4's subtree"),
        ("1", "5", "cannot move 1 under 5: 5 is inside 1's subtree"),
        ("6", "7", "cannot move 6 under 7: 7 is inside 6's subtree"),
        ("2", "4", "cannot move 2 under 4"),
    ],
)
def test_move_refuses_cycles(
    chain: Cli, db_url: str, task_id: str, parent: str, message: str
) -> None:
    """Cycles of length 1, 2 and 5 (and inner ones) are refused with exit 4; nothing changes."""
    before = dump(db_url)
    assert message in error_line(chain.fails(4, "move", task_id, "--parent", parent))
    assert dump(db_url) == before


def test_move_accepts_legal_reparenting(chain: Cli, db_url: str) -> None:
    """Not a cycle: moving under a cousin, a former ancestor's sibling, or to the top."""
    assert chain.ok("move", "4", "--parent", "7").stdout == "Moved task 4: c4\n"
    assert as_json(chain, "move", "6", "--parent", "3")["parent_id"] == 3
    chain.ok("move", "8", "-p", "5")
    chain.ok("move", "2", "--root")
    assert _parents(db_url) == {1: None, 2: None, 3: 2, 4: 7, 5: 4, 6: 3, 7: 6, 8: 5}
    chain.ok("move", "1", "--parent", "8")
    assert _parents(db_url)[1] == 8
    assert [n["id"] for n in as_json(chain, "tree")] == [2]


def test_move_keeps_the_subtree(chain: Cli) -> None:
    """A moved task takes its descendants along; progress follows."""
    chain.ok("done", "5")
    chain.ok("move", "3", "--parent", "8")
    assert as_json(chain, "tree", "8")["progress"] == {"done": 1, "total": 3}
    assert as_json(chain, "tree", "1")["progress"] == {"done": 0, "total": 1}


# -- depth limit ----------------------------------------------------------------


def test_depth_limit_of_64(cli: Cli, db_url: str) -> None:
    """Level 64 is allowed, 65 is refused (exit 4) by ``add --parent`` and by ``move``."""
    insert_tasks(
        db_url, [Row(i, f"level {i}", parent_id=i - 1 if i > 1 else None) for i in range(1, 64)]
    )
    assert add(cli, "level 64", "--parent", "63") == 64
    before = dump(db_url)
    message = error_line(cli.fails(4, "add", "level 65", "--parent", "64"))
    assert "depth limit of 64" in message
    assert dump(db_url) == before

    leaf = add(cli, "leaf")
    top = add(cli, "top")
    bottom = add(cli, "bottom", "-p", str(top))
    before = dump(db_url)
    assert "depth limit of 64" in error_line(cli.fails(4, "move", str(leaf), "--parent", "64"))
    assert "depth limit of 64" in error_line(cli.fails(4, "move", str(top), "--parent", "63"))
    assert dump(db_url) == before

    cli.ok("move", str(leaf), "--parent", "63")
    cli.ok("move", str(top), "--parent", "62")
    parents = _parents(db_url)
    assert (parents[leaf], parents[top], parents[bottom]) == (63, 62, top)
    assert len(as_json(cli, "show", str(bottom))["ancestors"]) == 63


# -- rm -------------------------------------------------------------------------


def test_rm_refuses_a_task_with_subtasks(project: Cli, db_url: str) -> None:
    """Without -r: exit 4, how many subtasks, the -r hint; nothing is deleted."""
    before = dump(db_url)
    message = error_line(project.fails(4, "rm", "-y", "2"))
    assert "task 2 has 2 subtasks" in message
    assert "-r" in message
    assert "task 1 has 4 subtasks" in error_line(project.fails(4, "rm", "1"))
    assert dump(db_url) == before


def test_rm_recursive_deletes_subtree_and_tag_links(project: Cli, db_url: str) -> None:
    """``rm -r -y`` removes the whole subtree and its tag links; the rest is untouched."""
    result = project.ok("rm", "-r", "-y", "1")
    assert result.stdout == "Deleted task 1: Project\n... and 4 subtasks\n"
    assert _parents(db_url) == {6: None, 7: 6}
    [[(orphan_links,)], [(orphan_tasks,)], [(links,)]] = execute(
        db_url,
        "SELECT count(*) FROM task_tag WHERE task_id NOT IN (SELECT id FROM task)",
        "SELECT count(*) FROM task WHERE parent_id IS NOT NULL "
        "AND parent_id NOT IN (SELECT id FROM task)",
        "SELECT count(*) FROM task_tag",
    )
    assert (orphan_links, orphan_tasks, links) == (0, 0, 1)
    assert as_json(project, "show", "7")["tags"] == ["doc"]


def test_rm_leaf_and_overlapping_subtrees(project: Cli, db_url: str) -> None:
    """A leaf needs no -r; naming a task and its descendant together is fine with -r."""
    assert project.ok("rm", "3").stdout == "Deleted task 3: Ship\n"
    assert project.ok("rm", "-r", "-y", "2", "4").stdout == (
        "Deleted task 2: Spec\nDeleted task 4: Draft\n... and 1 subtask\n"
    )
    assert _parents(db_url) == {1: None, 6: None, 7: 6}


def test_ids_are_never_reused(cli: Cli) -> None:
    """Deleting the newest task does not free its id."""
    assert [add(cli, "a"), add(cli, "b"), add(cli, "c")] == [1, 2, 3]
    cli.ok("rm", "-y", "3")
    assert add(cli, "d") == 4
    cli.ok("rm", "-y", "1", "2", "4")
    assert add(cli, "e") == 5


def test_due_relative_to_now_round_trips(cli: Cli) -> None:
    """``edit --due yesterday`` makes a task overdue; ``--due none`` undoes it."""
    add(cli, "x")
    cli.ok("edit", "1", "--due", "yesterday")
    assert datetime.fromisoformat(as_json(cli, "show", "1")["due"]) == parse_date("yesterday")
    assert list_ids(cli, "--overdue") == [1]
    cli.ok("edit", "1", "--due", "none")
    assert list_ids(cli, "--overdue") == []


@pytest.mark.parametrize(("answer", "deleted"), [("n", False), ("y", True)])
def test_rm_asks_on_a_terminal(cli: Cli, db_url: str, answer: str, deleted: bool) -> None:
    """On a terminal ``rm`` asks first (title shown safely); "n" deletes nothing, exit 0."""
    insert_tasks(db_url, [Row(1, "x\x1b[2Jy"), Row(2, "kid", parent_id=1), Row(3, "other")])
    before = dump(db_url)
    output = run_interactive(("rm", "-r", "1"), env={"TASKCLI_DATABASE_URL": db_url}, answer=answer)
    assert "Delete task 1 (x\\x1b[2Jy) and 1 subtask? [y/N]: " in output.stdout
    assert "\x1b[2J" not in output.stdout
    assert "Traceback" not in output.stdout
    assert output.returncode == 0, output.stdout
    if deleted:
        assert "Deleted task 1: x\\x1b[2Jy" in output.stdout
        assert _parents(db_url) == {3: None}
    else:
        assert "Nothing was deleted." in output.stdout
        assert dump(db_url) == before
