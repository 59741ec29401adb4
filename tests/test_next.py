"""``taskcli next``: the actionable tasks (pending leaves) ranked by urgency.

Every test runs the real CLI against a real SQLite file and the real
PostgreSQL database. Expected urgencies come from the README's terms and the
default coefficients; times a test depends on are written with fixed instants.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support import Cli, error_line, execute
from taskhelpers import chain_forest, count_statements, insert_tasks

from taskcli.urgency import TERMS


def _next(cli: Cli, *args: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(cli.ok("next", "-f", "json", *args).stdout)
    return found


def _ids(cli: Cli, *args: str) -> list[int]:
    return [int(line) for line in cli.ok("next", "-f", "ids", *args).stdout.split()]


def _add(cli: Cli, title: str, *options: str) -> int:
    return int(cli.ok("add", "-q", *options, "--", title).stdout)


def _config(tmp_path: Path, cli: Cli, text: str) -> Cli:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return Cli(url=cli.url, env={"TASKCLI_CONFIG": str(path)})


def _created(cli: Cli, backend: str, task_id: int, moment: datetime) -> None:
    """Set a task's creation time directly (age is measured from it)."""
    if backend == "postgresql":
        value = f"'{moment.isoformat()}'"
    else:
        value = f"'{moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=' ')}'"
    execute(cli.url, f"UPDATE task SET created_at = {value} WHERE id = {task_id}")


def test_only_pending_leaves_are_shown(cli: Cli) -> None:
    project = _add(cli, "Project")
    open_child = _add(cli, "Open child", "-p", str(project))
    finished_parent = _add(cli, "All subtasks done")
    done_child = _add(cli, "Done child", "-p", str(finished_parent))
    cli.ok("done", str(done_child))
    finished = _add(cli, "Finished")
    cli.ok("done", str(finished))
    assert sorted(_ids(cli)) == [open_child, finished_parent]
    cli.ok("done", str(open_child))
    assert sorted(_ids(cli)) == [project, finished_parent]


def test_waiting_blocked_and_not_yet_scheduled_tasks_are_not_actionable(cli: Cli) -> None:
    ready = _add(cli, "Ready")
    _add(cli, "Waiting", "--wait", "2999-01-01")
    blocker = _add(cli, "Blocker")
    blocked = _add(cli, "Blocked", "--blocked-by", str(blocker))
    _add(cli, "Later", "--scheduled", "2999-01-01")
    started = _add(
        cli, "Scheduled in the past", "--scheduled", "2000-01-01", "--wait", "2000-01-01"
    )
    assert sorted(_ids(cli)) == [ready, blocker, started]
    cli.ok("done", str(blocker))
    assert sorted(_ids(cli)) == [ready, blocked, started]


def test_due_and_priority_are_inherited_from_the_nearest_ancestor(cli: Cli) -> None:
    top = _add(cli, "Top", "-P", "H", "-d", "+30d")
    middle = _add(cli, "Middle", "-p", str(top), "-P", "M", "-d", "+1d")
    leaf = _add(cli, "Leaf", "-p", str(middle))
    plain = _add(cli, "Plain")
    own = _add(cli, "Own low", "-p", str(top), "-P", "L")
    found = {task["id"]: task for task in _next(cli, "--explain")}
    assert set(found) == {leaf, plain, own}
    assert found[leaf]["urgency_terms"]["priority"] == 3.9  # Middle's, not Top's
    assert found[own]["urgency_terms"]["priority"] == 1.8  # its own beats Top's
    # Due in a day (Middle's) is closer than in 30 days (Top's, inherited by Own low).
    assert found[leaf]["urgency_terms"]["due"] > found[own]["urgency_terms"]["due"] == 2.4
    assert found[plain]["urgency"] == 0.0
    assert _ids(cli) == [leaf, own, plain]
    assert found[leaf]["path"] == ["Top", "Middle"]
    assert found[leaf]["due"] is None  # the task object keeps the task's own fields


def test_overdue_tasks_come_first(cli: Cli) -> None:
    later = _add(cli, "Later", "-d", "+2d")
    late = _add(cli, "Late", "-d", "yesterday")
    soon = _add(cli, "Soon", "-d", "+1d")
    found = {task["id"]: task for task in _next(cli, "--explain")}
    assert found[late]["urgency_terms"]["overdue"] == 6.0
    assert found[soon]["urgency_terms"]["overdue"] == 0.0
    assert _ids(cli) == [late, soon, later]
    table = cli.ok("next").stdout
    assert "!" in table.splitlines()[1]  # the overdue mark on the first row


def test_a_started_task_gets_the_active_term(cli: Cli) -> None:
    first = _add(cli, "First")
    second = _add(cli, "Second")
    assert _ids(cli) == [first, second]
    cli.ok("start", str(second))
    found = _next(cli, "--explain")
    assert [task["id"] for task in found] == [second, first]
    assert found[0]["urgency_terms"]["active"] == 4.0
    assert found[0]["urgency"] == 4.0
    assert cli.ok("next").stdout.splitlines()[0].split()[:2] == ["ID", "A"]


def test_tag_weights_come_from_the_config_file(cli: Cli, tmp_path: Path) -> None:
    home = _add(cli, "Home", "-t", "home")
    tagged = _add(cli, "Next", "-t", "next")  # Taskwarrior's +next: 15 by default
    work = _add(cli, "Work", "-t", "work", "-P", "H")
    assert _ids(cli) == [tagged, work, home]
    weighted = _config(tmp_path, cli, "[urgency]\ntag.home = 20\npriority.high = 1.5\n")
    found = _next(weighted, "--explain")
    assert [task["id"] for task in found] == [home, tagged, work]
    assert found[0]["urgency_terms"]["tags"] == 20.0
    assert found[2]["urgency"] == 1.5
    nested = _config(tmp_path, cli, "[urgency.tag]\nnext = 0\nwork = -2.5\n")
    assert [t["urgency"] for t in _next(nested)] == [6.0 - 2.5, 0.0, 0.0]


def test_config_shows_each_coefficient_and_where_it_came_from(cli: Cli, tmp_path: Path) -> None:
    weighted = _config(tmp_path, cli, "[urgency]\ndue = 10\n\n[urgency.tag]\nhome = 2.5\n")
    settings = json.loads(weighted.ok("config", "-f", "json").stdout)["settings"]
    urgency = {key: row for key, row in settings.items() if key.startswith("urgency.")}
    assert list(urgency)[:3] == ["urgency.due", "urgency.overdue", "urgency.priority.high"]
    assert urgency["urgency.due"] == {
        "value": 10,
        "source": "file",
        "from": f"{tmp_path / 'config.toml'}, line 2",
    }
    assert urgency["urgency.tag.home"]["value"] == 2.5
    assert urgency["urgency.tag.home"]["from"].endswith("line 5")
    assert urgency["urgency.tag.next"] == {"value": 15.0, "source": "default", "from": ""}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[urgency]\ndue = 'high'\n", "urgency.due must be a number"),
        ("[urgency]\nage_max = 0\n", "urgency.age_max must be a number of days above 0"),
        ("[urgency]\ntag.'a b' = 1\n", "urgency.tag.a b names no valid tag"),
        ("[urgency]\nblocked = 1\n", "unknown key 'urgency.blocked'"),
    ],
)
def test_a_bad_coefficient_is_a_usage_error(
    cli: Cli, tmp_path: Path, text: str, message: str
) -> None:
    _add(cli, "Task")
    result = _config(tmp_path, cli, text).fails(2, "next")
    assert message in error_line(result)


def test_count_limits_the_tasks_shown(cli: Cli) -> None:
    for number in range(12):
        _add(cli, f"Task {number}", "-P", "H" if number % 2 else "N")
    assert len(_ids(cli)) == 10  # piped: ten
    assert _ids(cli, "-n", "3") == [2, 4, 6]
    assert len(_ids(cli, "--count", "50")) == 12
    result = cli("next", "-n", "0")
    assert result.exit_code == 2


def test_list_filters_apply(cli: Cli) -> None:
    project = _add(cli, "Project")
    inside = _add(cli, "Inside", "-p", str(project), "-t", "work")
    outside = _add(cli, "Outside report", "-t", "home")
    assert _ids(cli, "--tag", "work") == [inside]
    assert _ids(cli, "--tag", "-work") == [outside]
    assert _ids(cli, "--under", str(project)) == [inside]
    assert _ids(cli, "--search", "report") == [outside]
    assert _ids(cli, "--priority", "H") == []
    cli.fails(1, "next", "--under", "99")
    assert cli("next", "--status", "done").exit_code == 2  # next shows pending tasks only


def test_the_context_in_force_applies(cli: Cli) -> None:
    work = _add(cli, "Work", "-t", "work")
    home = _add(cli, "Home", "-t", "home")
    cli.ok("context", "define", "office", "+work")
    cli.ok("context", "office")
    assert _ids(cli) == [work]
    assert sorted(_ids(cli, "--no-context")) == [work, home]
    unscoped = Cli(url=cli.url, env={"TASKCLI_CONTEXT": "none"}).ok("next", "-f", "ids").stdout
    assert sorted(int(line) for line in unscoped.split()) == [work, home]


def test_explain_terms_add_up_to_the_urgency(cli: Cli, backend: str) -> None:
    parent = _add(cli, "Parent", "-P", "M", "-d", "+5d")
    child = _add(cli, "Child", "-p", str(parent), "-t", "next")
    old = _add(cli, "Old", "-d", (datetime.now() - timedelta(days=3)).date().isoformat())
    _created(cli, backend, old, datetime.now(UTC) - timedelta(days=730))
    cli.ok("start", str(child))
    found = _next(cli, "--explain")
    for task in found:
        assert list(task["urgency_terms"]) == list(TERMS)
        assert round(sum(task["urgency_terms"].values()), 2) == task["urgency"]
    by_id = {task["id"]: task["urgency_terms"] for task in found}
    assert by_id[old]["age"] == 2.0  # capped at a year
    assert by_id[child] == {
        "due": by_id[child]["due"],
        "overdue": 0.0,
        "priority": 3.9,
        "age": 0.0,
        "active": 4.0,
        "tags": 15.0,
    }
    assert 6.0 < by_id[child]["due"] < 6.6  # 12 x (0.2 + 0.8 x 9/21): 5 days ahead
    table = cli.ok("next", "--explain").stdout.splitlines()
    headers = ["ID", "Task", "Due", "Overdue", "Pri", "Age", "Active", "Tags", "Urg"]
    assert table[0].split() == headers
    assert "Parent \u203a Child" in table[1]
    csv_header = cli.ok("next", "-f", "csv", "--explain").stdout.splitlines()[0].split(",")
    assert csv_header[-8:] == ["urgency", "path", *(f"urgency_{name}" for name in TERMS)]


def test_json_keys_follow_the_task_object(cli: Cli) -> None:
    parent = _add(cli, "Parent")
    _add(cli, "Child", "-p", str(parent), "-t", "b", "-t", "a")
    [listed] = json.loads(cli.ok("list", "-f", "json", "--tag", "a").stdout)
    [task] = _next(cli)
    assert list(task) == [*listed, "urgency", "path"]
    assert {key: task[key] for key in listed} == listed
    assert task["path"] == ["Parent"]
    assert isinstance(task["urgency"], float)
    [explained] = _next(cli, "--explain")
    assert list(explained) == [*listed, "urgency", "path", "urgency_terms"]


def test_nothing_actionable_is_one_line_on_stderr(cli: Cli) -> None:
    result = cli.ok("next")
    assert (result.stdout, result.stderr) == ("", "No actionable tasks.\n")
    assert _next(cli) == []
    assert cli.ok("next", "-f", "csv").stdout.startswith("id,title,")
    assert cli.ok("next", "-f", "ids").stdout == ""


# BEGIN, schema, the ranking inputs, the weighted tags' links, the shown tasks,
# their tags, their ancestors' titles. PostgreSQL: tags come with the tasks, and
# BEGIN with the schema check is sent outside the counted statements.
EXPECTED = {"sqlite": 7, "postgresql": 4}


@pytest.mark.parametrize("depth", [3, 10])
def test_statement_count_does_not_depend_on_task_count(
    cli: Cli, db_url: str, backend: str, depth: int
) -> None:
    forest = chain_forest(1000, depth)
    counts = []
    for part in (forest[:10], forest[10:]):
        insert_tasks(db_url, part)
        with count_statements() as statements:
            assert cli.ok("next", "-f", "json").stdout.strip() != "[]"
        counts.append(len(statements))
    assert counts == [EXPECTED[backend]] * 2


def test_csv_cells_are_those_of_list(cli: Cli) -> None:
    """``next -f csv`` writes a task's cells as ``list -f csv`` does (ids joined, rules as text)."""
    blocker = _add(cli, "Blocker")
    task_id = _add(cli, "Rent", "--blocked-by", str(blocker), "--due", "2027-01-31")
    cli.ok("edit", str(task_id), "--recur", "monthly")
    cli.ok("done", str(blocker))
    listed = list(csv.reader(io.StringIO(cli.ok("list", "-f", "csv").stdout)))
    ranked = list(csv.reader(io.StringIO(cli.ok("next", "-f", "csv").stdout)))
    assert ranked[1][: len(listed[0])] == listed[1]
    assert ranked[1][listed[0].index("blocked_by")] == str(blocker)
    assert ranked[1][listed[0].index("recur")] == "monthly"
