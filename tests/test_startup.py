"""Fast start: --version, --help and completion load none of the heavy stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO_ROOT

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "rich", "aiosqlite", "asyncpg")
# Typer 0.29 itself builds a subcommand's parameters with pydantic, so only
# --version and the top-level --help can promise no pydantic at all.
HEAVIEST = (*HEAVY, "pydantic")
# Typer's zsh and fish completion cleans help texts with its Rich helpers.
DATABASE_STACK = ("sqlalchemy", "sqlmodel", "alembic", "aiosqlite", "asyncpg")

PROBE = """
import json, sys
watched = set(json.loads(sys.argv[2]))
sys.argv = ["taskcli", *json.loads(sys.argv[1])]
if sys.argv[1:] == ["--version"]:
    from taskcli.main import main
    main()
else:
    from taskcli.cli import app
    try:
        app(prog_name="taskcli")
    except SystemExit:
        pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & watched)
sys.stderr.write("LOADED " + json.dumps(heavy) + "\\n")
"""


@pytest.mark.parametrize(
    ("args", "env", "watched"),
    [
        (["--version"], {}, HEAVIEST),
        (["--help"], {}, HEAVIEST),
        (["add", "--help"], {}, HEAVY),
        (["list", "--help"], {}, HEAVY),
        (
            [],
            {"_TASKCLI_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "taskcli li"},
            DATABASE_STACK,
        ),
        (
            [],
            {
                "_TASKCLI_COMPLETE": "complete_bash",
                "COMP_WORDS": "taskcli list --",
                "COMP_CWORD": "2",
            },
            HEAVY,
        ),
    ],
    ids=["version", "help", "add-help", "list-help", "complete-command", "complete-option"],
)
def test_nothing_heavy_is_imported(
    args: list[str], env: dict[str, str], watched: tuple[str, ...]
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(watched)],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    loaded = [line for line in result.stderr.splitlines() if line.startswith("LOADED ")]
    assert loaded == ["LOADED []"], result.stderr
    if args:
        assert result.stdout  # it really answered


def test_pretty_exceptions_never_show_locals() -> None:
    from taskcli.cli import app

    assert app.pretty_exceptions_show_locals is False


COMMAND_MODULES = (
    "taskcli.cli.writing",
    "taskcli.cli.reading",
    "taskcli.cli.journal",
    "taskcli.cli.transfer",
)
MODULE_PROBE = """
import json, sys
watched = set(json.loads(sys.argv[2]))
sys.argv = ["taskcli", *json.loads(sys.argv[1])]
from taskcli.cli import app
try:
    app(prog_name="taskcli")
except SystemExit:
    pass
loaded = sorted(watched & set(sys.modules))
sys.stderr.write("LOADED " + json.dumps(loaded) + "\\n")
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--help"], []),
        (["list", "--help"], ["taskcli.cli.reading"]),
        (["add", "--help"], ["taskcli.cli.writing"]),
        (["log", "--help"], ["taskcli.cli.journal"]),
        (["export", "--help"], ["taskcli.cli.transfer"]),
    ],
    ids=["help", "list", "add", "log", "export"],
)
def test_only_the_invoked_commands_module_is_imported(args: list[str], expected: list[str]) -> None:
    """``taskcli list`` never imports the journal or transfer commands, ``--help`` none."""
    result = subprocess.run(
        [sys.executable, "-c", MODULE_PROBE, json.dumps(args), json.dumps(COMMAND_MODULES)],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    loaded = [line for line in result.stderr.splitlines() if line.startswith("LOADED ")]
    assert loaded == ["LOADED " + json.dumps(expected)], result.stderr
    assert result.stdout.startswith("Usage: taskcli")


def test_command_table_agrees_with_the_commands() -> None:
    """Each command's summary in the table is its real help, and every command is listed."""
    import inspect

    from taskcli.cli import LAZY_COMMANDS, app, load_all_commands

    load_all_commands()
    real = {
        info.name: (info.callback.__module__, inspect.getdoc(info.callback).split("\n\n")[0])
        for group in app.registered_groups
        if not isinstance(group.typer_instance.info.name, str)  # merged, not db or server
        for info in group.typer_instance.registered_commands
        if info.callback is not None
    }
    assert real == LAZY_COMMANDS


def test_every_command_module_is_merged() -> None:
    """A module in ``taskcli.cli`` with commands on its own app is reachable from ``taskcli``."""
    import importlib
    import pkgutil

    import typer

    import taskcli.cli
    from taskcli.cli import app, load_all_commands

    load_all_commands()
    merged = {id(group.typer_instance) for group in app.registered_groups}
    for module_info in pkgutil.iter_modules(taskcli.cli.__path__, "taskcli.cli."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, typer.Typer) and value is not app:
                assert id(value) in merged, f"{module_info.name} defines commands never merged"


@pytest.mark.parametrize("columns", ["80", "50"])
def test_help_lists_commands_as_when_all_are_loaded(columns: str) -> None:
    """The lazy ``--help`` is byte-identical to the help of a group built with every command."""
    probe = """
import sys
from taskcli.cli import app, load_all_commands
from typer.main import get_command
if sys.argv[1] == "all":
    load_all_commands()
try:
    get_command(app).main(["--help"], prog_name="taskcli")
except SystemExit:
    pass
"""
    outputs = [
        subprocess.run(
            [sys.executable, "-c", probe, mode],
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": columns},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        for mode in ("lazy", "all")
    ]
    assert outputs[0] == outputs[1]
    assert "  import    Import tasks" in outputs[0]  # aligned after "annotate", "denotate"


CLIENT_PROBE = """
import json, os, sys
initial = set(sys.modules)  # the interpreter's own start (site, .pth hooks)
sys.argv = ["taskcli", *json.loads(sys.argv[1])]
real_exit = os._exit

def report(code):
    outside = sorted(
        {m.split(".")[0] for m in set(sys.modules) - initial}
        - set(sys.stdlib_module_names)
        - {"taskcli"}
    )
    sys.stderr.write("LOADED " + json.dumps(outside) + "\\n")
    sys.stderr.flush()
    real_exit(code)

os._exit = report
from taskcli.main import main
main()
"""


@pytest.mark.parametrize("args", [["list"], ["--help"]], ids=["list", "help"])
def test_a_served_command_loads_only_the_standard_library(args: list[str], tmp_path: Path) -> None:
    """The client side of the command server imports nothing but the standard library."""
    from serverhelpers import server_home

    with server_home(tmp_path) as home:
        home.start()
        result = subprocess.run(
            [sys.executable, "-c", CLIENT_PROBE, json.dumps(args)],
            env={
                **os.environ,
                "PYTHONPATH": str(REPO_ROOT),
                "TASKCLI_DATABASE_URL": f"sqlite:///{tmp_path / 'tasks.db'}",
                **home.env,
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout or result.stderr.startswith("No tasks.\n")  # the server answered
    loaded = [line for line in result.stderr.splitlines() if line.startswith("LOADED ")]
    assert loaded == ["LOADED []"], result.stderr
