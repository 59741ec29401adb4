"""Contexts: ``taskcli context`` defines and chooses saved filters; ``list`` and ``tree``
apply the one in force, ``add`` gets its tags, ``TASKCLI_CONTEXT`` overrides per shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import Cli, error_line, run_subprocess
from taskhelpers import Row, as_json, insert_tasks, list_ids, run_in_terminal

from taskcli.contexts import contexts_path


@pytest.fixture
def tasks(cli: Cli, db_url: str) -> Cli:
    """Work and home trees: the ``work`` context (tag work, priority ≥ M) matches 2 and 4."""
    insert_tasks(
        db_url,
        [
            Row(1, "Office", tags=("work",)),
            Row(2, "Report", parent_id=1, priority=3, tags=("work",)),
            Row(3, "Coffee", parent_id=1, priority=1, tags=("work",)),
            Row(4, "Budget", priority=2, tags=("work", "money")),
            Row(5, "Garden", priority=3, tags=("home",)),
        ],
    )
    cli.ok("context", "define", "work", "+work", "--priority", "M")
    cli.ok("context", "define", "home", "--tag", "home")
    return cli


def _file() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(contexts_path().read_text(encoding="utf-8"))
    return loaded


# -- define, list, choose, delete -------------------------------------------------


def test_define_list_choose_none_delete(tasks: Cli) -> None:
    listed = as_json(tasks, "context", "list")
    assert listed["active"] is None
    assert [(c["name"], c["filter"]) for c in listed["contexts"]] == [
        ("home", {"tag": ["home"]}),
        ("work", {"tag": ["work"], "priority": "medium"}),
    ]
    tasks.ok("context", "work")
    listed = as_json(tasks, "context", "list")
    assert listed["active"] == listed["chosen"] == "work"
    assert [c["active"] for c in listed["contexts"]] == [False, True]
    text = tasks.ok("context", "list").stdout
    assert "* work  tag work, priority ≥ medium" in text
    assert as_json(tasks, "context")["filter"] == {"tag": ["work"], "priority": "medium"}
    tasks.ok("context", "none")
    assert as_json(tasks, "context", "show")["active"] is None
    tasks.ok("context", "home")
    tasks.ok("context", "delete", "home")
    assert _file()["active"] is None
    assert list(_file()["contexts"]) == ["work"]  # type: ignore[call-overload]


def test_list_and_tree_apply_the_chosen_context(tasks: Cli) -> None:
    assert list_ids(tasks, "--sort", "id") == [1, 2, 3, 4, 5]
    tasks.ok("context", "work")
    assert list_ids(tasks, "--sort", "id") == [2, 4]
    # The command line's filters AND the context's.
    assert list_ids(tasks, "--tag", "money") == [4]
    assert list_ids(tasks, "--priority", "H") == [2]
    # Office stays in the tree as the way to Report; Coffee and Garden do not match.
    forest = as_json(tasks, "tree")
    assert [(n["id"], [c["id"] for c in n["subtasks"]]) for n in forest] == [(1, [2]), (4, [])]
    assert [n["id"] for n in as_json(tasks, "tree", "--no-context")] == [1, 4, 5]
    assert list_ids(tasks, "--no-context", "--sort", "id") == [1, 2, 3, 4, 5]


def test_add_gets_the_context_tags(tasks: Cli) -> None:
    tasks.ok("context", "define", "errands", "+shop", "--tag", "-home", "--priority", "L")
    tasks.ok("context", "errands")
    created = as_json(tasks, "add", "Milk", "-t", "dairy")
    assert created["tags"] == ["dairy", "shop"]  # the required tag only: not -home, no priority
    assert created["priority"] == "none"
    plain = as_json(tasks, "add", "Bread", "--no-context")
    assert plain["tags"] == []


# -- precedence ---------------------------------------------------------------------


def test_environment_beats_the_chosen_context(tasks: Cli) -> None:
    tasks.ok("context", "work")
    home = tasks("list", "-f", "ids", env={"TASKCLI_CONTEXT": "home"})
    assert home.exit_code == 0
    assert home.stdout.split() == ["5"]
    off = tasks("list", "-f", "ids", "--sort", "id", env={"TASKCLI_CONTEXT": "none"})
    assert off.stdout.split() == ["1", "2", "3", "4", "5"]
    shown = json.loads(tasks("context", "-f", "json", env={"TASKCLI_CONTEXT": "home"}).stdout)
    assert (shown["active"], shown["source"], shown["chosen"]) == (
        "home",
        "TASKCLI_CONTEXT",
        "work",
    )
    assert list_ids(tasks, "--sort", "id") == [2, 4]  # the chosen one, once the variable is gone


def test_unknown_context_in_the_environment_is_exit_2(tasks: Cli) -> None:
    result = tasks("list", env={"TASKCLI_CONTEXT": "wrok"})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "'wrok'" in error_line(result)
    assert tasks("add", "X", env={"TASKCLI_CONTEXT": "wrok"}).exit_code == 2
    assert list_ids(tasks, "--sort", "id") == [1, 2, 3, 4, 5]  # nothing added


def test_a_conflicting_one_value_filter_is_exit_2(tasks: Cli) -> None:
    tasks.ok("context", "define", "reports", "--search", "report")
    tasks.ok("context", "reports")
    assert "--no-context" in error_line(tasks.fails(2, "list", "--search", "garden"))
    assert list_ids(tasks, "--search", "report") == [2]


# -- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("define", "bad", "--priority", "X"),
        ("define", "bad", "+no space"),
        ("define", "bad", "--due-before", "someday"),
        ("define", "bad", "--under", "0"),
        ("define", "bad"),
        ("define", "list", "+x"),
        ("define", "bad", "word"),
        ("nosuch",),
        ("delete", "nosuch"),
        ("list", "--tag", "x"),
    ],
)
def test_bad_context_commands_write_nothing(cli: Cli, args: tuple[str, ...]) -> None:
    cli.ok("context", "define", "keep", "+keep")
    before = contexts_path().read_bytes()
    error_line(cli.fails(2, "context", *args))
    assert contexts_path().read_bytes() == before


def test_the_file_lives_beside_the_config_file(cli: Cli, tmp_path: Path) -> None:
    cli.ok("context", "define", "work", "+work")
    assert contexts_path() == tmp_path / "home" / ".config" / "taskcli" / "contexts.json"
    assert _file() == {"version": 1, "active": None, "contexts": {"work": {"tag": ["work"]}}}


# -- the real process: header on a terminal only, JSON pure, through the server too ----


def test_header_only_on_a_terminal_and_json_stays_pure(tasks: Cli, db_url: str) -> None:
    env = {"TASKCLI_DATABASE_URL": db_url, "TASKCLI_CONTEXT": "work", "NO_COLOR": "1"}
    header = "Context: work (tag work, priority ≥ medium)"
    on_terminal = run_in_terminal(["list"], env=env)
    assert on_terminal.returncode == 0, on_terminal.stderr
    assert on_terminal.stderr.splitlines() == [header]
    assert "Report" in on_terminal.stdout
    assert "Garden" not in on_terminal.stdout
    piped = run_subprocess(["list"], env=env)
    assert piped.returncode == 0
    assert piped.stderr == ""
    assert "Report" in piped.stdout
    assert "Garden" not in piped.stdout
    as_data = run_in_terminal(["list", "-f", "json"], env=env)
    assert [task["id"] for task in json.loads(as_data.stdout)] == [2, 4]
    tree = run_in_terminal(["tree", "-f", "json"], env=env)
    assert [node["id"] for node in json.loads(tree.stdout)] == [1, 4]


def test_the_environment_reaches_each_command(tasks: Cli, db_url: str) -> None:
    """Per process (and per request when a command server runs it): one shell, one context."""
    base = {"TASKCLI_DATABASE_URL": db_url}
    for name, expected in (("work", "2\n4\n"), ("home", "5\n"), ("none", "1\n2\n3\n4\n5\n")):
        result = run_subprocess(
            ["list", "-f", "ids", "--sort", "id"], env={**base, "TASKCLI_CONTEXT": name}
        )
        assert (result.returncode, result.stdout) == (0, expected), result.stderr
    unknown = run_subprocess(["tree"], env={**base, "TASKCLI_CONTEXT": "nope"})
    assert unknown.returncode == 2
    assert unknown.stdout == ""
    assert unknown.stderr.startswith("Error: TASKCLI_CONTEXT names no context: 'nope'")


def test_config_shows_the_context_in_force_and_where_it_came_from(cli: Cli) -> None:
    def setting(env: dict[str, str] | None = None) -> dict[str, object]:
        document = json.loads(cli("config", "-f", "json", env=env).stdout)
        row: dict[str, object] = document["settings"]["context"]
        return row

    assert setting() == {"value": None, "source": "default", "from": ""}
    cli.ok("context", "define", "work", "+work")
    cli.ok("context", "work")
    assert setting() == {"value": "work", "source": "file", "from": str(contexts_path())}
    assert setting({"TASKCLI_CONTEXT": "typo"}) == {
        "value": "typo",
        "source": "env",
        "from": "TASKCLI_CONTEXT",
    }
    rows = [line.split() for line in cli.ok("config").stdout.splitlines()]
    assert ["context", "work", "file", str(contexts_path())] in rows


def test_minus_tag_words_after_the_double_dash_and_redefining(tasks: Cli) -> None:
    tasks.ok("context", "define", "work", "+work", "--", "-money")
    tasks.ok("context", "work")
    assert list_ids(tasks, "--sort", "id") == [1, 2, 3]  # priority M is gone: redefined
    assert as_json(tasks, "context")["filter"] == {"tag": ["work", "-money"]}


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"contexts": {"work": {"tag": "work"}}}',
        '{"contexts": {"work": {"parent": true}}}',
        '{"contexts": {"work": {"tag": [1]}}}',
    ],
)
def test_an_unreadable_contexts_file_is_exit_3_and_no_context_still_works(
    tasks: Cli, content: str
) -> None:
    contexts_path().write_text(content, encoding="utf-8")
    assert str(contexts_path()) in error_line(tasks.fails(3, "list"))
    assert list_ids(tasks, "--no-context", "--sort", "id") == [1, 2, 3, 4, 5]
