"""Views for people fit the terminal; the small things people see read right.

Every human view (``list``, ``tree``, ``show``, ``log``, ``history``) is run
on a real pseudo-terminal at 50, 80 and 200 columns: no line is wider than
the terminal (so nothing wraps to column 0 and tree guide lines stay whole),
titles are cut last and at their end. Piped output is never cut. Times are
local for people and UTC in JSON; overdue and priority read without colour;
empty results say so on stderr only.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len
from support import Cli
from taskhelpers import Row, insert_tasks, run_in_terminal

from taskcli.cli import LAZY_COMMANDS

LONG = "Write the quarterly report for the board with every appendix, figure and table"
STEP = "Step {}: 漢字の題名がとても長いタスクです, then a few more words"
VIEWS = (("list", "--status", "all"), ("tree", "--all"), ("show", "1"), ("log",), ("history", "1"))
# A tree line: guides (each level four cells), then the mark and the id.
TREE_LINE = re.compile(r"^(?:(?:│   |    )*(?:├── |└── ))?[○✓] \d+ ")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _seven_levels(cli: Cli) -> None:
    cli.ok("add", LONG, "-P", "high", "-d", "2020-01-02", "-t", "work", "-t", "quarterly")
    for level in range(2, 8):
        cli.ok("add", STEP.format(level), "-p", str(level - 1), "-P", "medium", "-t", "writing")
    cli.ok("done", "7")
    cli.ok("edit", "1", "--title", f"{LONG} (revised)")


def _on_terminal(cli: Cli, args: tuple[str, ...], columns: int) -> list[str]:
    shown = run_in_terminal(args, env={"TASKCLI_DATABASE_URL": cli.url}, columns=columns)
    assert shown.returncode == 0, shown.stderr
    return ANSI.sub("", shown.stdout).removesuffix("\r\n").split("\r\n")


@pytest.mark.parametrize("columns", [50, 80, 200])
def test_every_view_fits_the_terminal(cli: Cli, columns: int) -> None:
    _seven_levels(cli)
    for args in VIEWS:
        lines = _on_terminal(cli, args, columns)
        widest = max(lines, key=cell_len)
        assert cell_len(widest) <= columns, (args, widest)
        if args[0] == "tree":
            assert len(lines) == 7
            assert all(TREE_LINE.match(line) for line in lines), lines
        if args[0] in ("list", "tree"):
            first = next(line for line in lines if "Write the quarterly" in line)
            if columns == 200:
                assert f"{LONG} (revised)" in first  # room enough: nothing cut
            else:
                # Cut at its end, after the tags gave way (shorter, or gone).
                assert re.search(r"Write the quarterly[^…]*…", first), first
                assert "quarterly work" not in first
                assert "+quarterly +work" not in first
                assert f"{LONG} (revised)" in cli.ok(*args).stdout  # piped: never cut


def test_a_chain_deeper_than_the_terminal_folds_its_outer_levels(cli: Cli, db_url: str) -> None:
    """64 levels at 50 columns: every line fits, with its mark, id and the inner guides."""
    chain = [Row(n, f"level {n}", parent_id=n - 1 if n > 1 else None) for n in range(1, 65)]
    insert_tasks(db_url, chain)
    lines = _on_terminal(cli, ("tree",), 50)
    assert len(lines) == 64
    assert max(cell_len(line) for line in lines) <= 50
    folded = re.compile(r"^(?:…   )?(?:│   |    )*(?:├── |└── )?○ (\d+) ")
    assert [int(folded.match(line)[1]) for line in lines] == list(range(1, 65))  # type: ignore[index]
    assert lines[-1].startswith("…   ")


def test_history_shows_local_times_and_its_json_stays_utc(cli: Cli) -> None:
    kolkata = {"TZ": "Asia/Kolkata"}  # UTC+05:30
    assert cli("add", "Call", "-d", "2030-01-01T17:00", env=kolkata).exit_code == 0
    assert cli("done", "1", env=kolkata).exit_code == 0
    history = cli("history", "1", env=kolkata).stdout
    assert "    due: 2030-01-01 17:00\n" in history
    completed = json.loads(cli.ok("show", "1", "-f", "json").stdout)["completed_at"]
    local = datetime.fromisoformat(completed).astimezone(ZoneInfo("Asia/Kolkata"))
    assert f"    completed_at: (none) -> {local:%Y-%m-%d %H:%M:%S}\n" in history
    entries = json.loads(cli("history", "1", "-f", "json", env=kolkata).stdout)
    fields = {field["name"]: field["new"] for entry in entries for field in entry["fields"]}
    assert fields["due"] == "2030-01-01T11:30:00+00:00"
    assert fields["completed_at"] == completed


def test_overdue_and_priority_read_without_colour(cli: Cli) -> None:
    cli.ok("add", "Late", "-P", "medium", "-d", "2020-01-02")
    cli.ok("add", "Later", "-p", "1", "-P", "low", "-d", "2999-01-02")
    table = cli.ok("list").stdout.splitlines()
    assert table[0].split() == ["ID", "Pri", "Title", "Due", "Tags", "Progress"]
    assert table[1].split() == ["1", "M", "Late", "2020-01-02!", "0/1"]
    assert table[2].split() == ["2", "L", "Later", "2999-01-02"]
    assert cli.ok("tree").stdout == (
        "○ 1 (M) Late  [0/1]  overdue 2020-01-02\n└── ○ 2 (L) Later  due 2999-01-02\n"
    )
    assert "Due       2020-01-02 (overdue)" in cli("show", "1", env={"NO_COLOR": "1"}).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list",), "No tasks."),
        (("list", "--tag", "nothing"), "No tasks."),
        (("tree",), "No tasks."),
        (("log",), "No operations."),
    ],
)
def test_an_empty_result_says_so_on_stderr_only(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    result = cli.ok(*args)
    assert (result.stdout, result.stderr) == ("", f"{message}\n")
    assert cli.ok(*args, "-f", "json").stdout.strip() == "[]"


def test_counts_agree_with_their_nouns(cli: Cli) -> None:
    cli.ok("add", "one")
    assert cli.ok("undo").stdout.endswith("(1 row)\n")
    cli.ok("redo")
    cli.ok("add", "two", "-t", "x")
    assert cli.ok("undo").stdout.endswith(" rows)\n")


def test_help_lists_everyday_commands_first(cli: Cli) -> None:
    listed = cli.ok("--help").stdout.split("Commands:\n")[1]
    names = [line.split()[0] for line in listed.splitlines() if line.startswith("  ")]
    everyday = ["add", "list", "next", "tree", "show", "done", "undone", "edit", "move", "rm"]
    assert names[: len(everyday) + 4] == [*everyday, "undo", "redo", "log", "history"]


PYTHON_TYPES = re.compile(r"<(?:str|int|float|bool|list\[[^>]*\]|int range|float range)>|x[<>]=|\{")


def test_help_shows_no_python_type_names(cli: Cli) -> None:
    """``ID...``, ``N`` and ``1 or more``: never ``<list[int]>``, ``{ID...}...``, ``0<=x<=...``."""
    commands = [(name,) for name in LAZY_COMMANDS]
    commands += [("db", name) for name in ("upgrade", "downgrade", "current", "history")]
    for command in commands:
        shown = cli.ok(*command, "--help").stdout
        assert not PYTHON_TYPES.search(shown), shown
    assert "Usage: taskcli undone [OPTIONS] ID...\n" in cli.ok("undone", "--help").stdout
    # With --where-* filters, ids are optional on done, edit and rm.
    assert "Usage: taskcli done [OPTIONS] [ID...]\n" in cli.ok("done", "--help").stdout
    assert "-n, --steps N" in cli.ok("undo", "--help").stdout
    assert cli("undo", "--steps", "0").exit_code == 2
