"""Fast start: --version, --help and completion load none of the heavy stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
