"""On a terminal, ``list`` and ``tree`` are Rich renderables printed by a Rich console.

Printing them through Rich must not change a byte of the layout our own
helpers compute (no cropping, wrapping or escaping on the way), at 1,000
tasks with styles, shortened titles and wide characters.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from rich.cells import cell_len
from support import Cli

from taskcli.cli._output import console
from taskcli.cli._runtime import execute
from taskcli.config import Settings, parse_database_url
from taskcli.domain import StatusFilter, TaskFilter
from taskcli.layout_table import task_table
from taskcli.layout_tree import task_tree
from taskcli.render_rich import ansi_styler
from taskcli.services.reading import get_tree, list_tasks

TERMINAL = {"FORCE_COLOR": "1", "COLUMNS": "60", "TERM": "xterm-256color"}
PRIORITIES = ("high", "medium", "low", "none")


def _thousand_tasks(cli: Cli) -> None:
    roots = "".join(f"Project {n} with a rather long title to shorten\n" for n in range(40))
    cli.ok("add", "-", "-P", "high", "-t", "work", input=roots)
    for parent in range(1, 9):
        children = "".join(f"Schritt {parent}.{n} — 漢字の題名 {n}\n" for n in range(120))
        due = "2020-01-02" if parent % 2 else "2030-06-01"
        tags = ("-t", f"t{parent}") if parent % 3 else ()
        priority = PRIORITIES[parent % 4]
        cli.ok("add", "-", "-p", str(parent), "-P", priority, "-d", due, *tags, input=children)
    cli.ok("done", "-r", "3", "7", "41", "42")


def _expected(url: str, command: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in TERMINAL.items():
        monkeypatch.setenv(name, value)
    terminal = console()
    settings = Settings(database=parse_database_url(url))
    if command == "list":
        now = datetime.now().astimezone()
        task_filter = TaskFilter(status=StatusFilter.ALL)
        views = execute(settings, list_tasks, write=False, task_filter=task_filter, now=now)
        return task_table(
            views, now=now, style=ansi_styler(terminal), width=terminal.width, cell_width=cell_len
        )
    nodes = execute(settings, get_tree, write=False, root_id=None, depth=None, include_done=True)
    now = datetime.now().astimezone()
    style, width = ansi_styler(terminal), terminal.width
    return task_tree(nodes, style=style, now=now, width=width, cell_width=cell_len)


@pytest.mark.parametrize("command", ["list", "tree"])
def test_terminal_output_is_the_layout_byte_for_byte(
    cli: Cli, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _thousand_tasks(cli)
    args = ["list", "--status", "all"] if command == "list" else ["tree", "--all"]
    result = cli(*args, env=TERMINAL)
    assert result.exit_code == 0, result.stderr
    shown = result.stdout
    assert shown.count("\n") >= 1_000
    assert "\x1b[" in shown
    assert shown == _expected(cli.url, command, monkeypatch)
    assert "…" in shown  # titles were shortened to the terminal's width


PIPED_PROBE = """
import json, os, sys
real_exit = os._exit

def report(code=0):
    sys.stderr.write("RICH " + json.dumps("rich" in sys.modules) + "\\n")
    sys.stderr.flush()
    real_exit(code)

os._exit = report
sys.argv = ["taskcli", *json.loads(sys.argv[1])]
from taskcli.main import main
try:
    main()
except SystemExit as exit_:
    report(exit_.code if isinstance(exit_.code, int) else 1)
report()
"""


@pytest.mark.parametrize("args", [["list"], ["tree", "--all"], ["log"], ["history", "1"]])
def test_piped_output_never_imports_rich(cli: Cli, args: list[str]) -> None:
    import json
    import os
    import subprocess
    import sys

    from support import REPO_ROOT

    cli.ok("add", "Piped")
    result = subprocess.run(
        [sys.executable, "-c", PIPED_PROBE, json.dumps(args)],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TASKCLI_DATABASE_URL": cli.url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout
    assert "RICH false" in result.stderr
