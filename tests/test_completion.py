"""Shell completion through the real mechanism: the variables bash's and zsh's scripts set.

Each command is offered the tasks it takes (``undone`` done ones, ``done``
pending ones, ``--parent`` any task); bash, which shows values only, gets
"ID  title" values when several tasks match and the bare id when one does.
Both backends.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO_ROOT, SUBPROCESS_TIMEOUT, Cli, run_subprocess

PENDING, DONE = "1", "3"


@pytest.fixture
def tasks(cli: Cli) -> Cli:
    cli.ok("add", "Buy milk")
    cli.ok("add", "Call mom")
    cli.ok("add", "Sleep early")
    cli.ok("done", "3")
    return cli


def bash(cli: Cli, line: str) -> list[str]:
    """What bash's completion function receives for ``line`` (the cursor at its end)."""
    words = line.split() + ([""] if line.endswith(" ") else [])
    result = run_subprocess(
        [],
        env={
            "TASKCLI_DATABASE_URL": cli.url,
            "_TASKCLI_COMPLETE": "complete_bash",
            "COMP_WORDS": " ".join(words),
            "COMP_CWORD": str(len(words) - 1),
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return [line for line in result.stdout.splitlines() if line]


def zsh(cli: Cli, line: str) -> dict[str, str]:
    """What zsh's completion function is told to offer: value -> description."""
    result = run_subprocess(
        [],
        env={
            "TASKCLI_DATABASE_URL": cli.url,
            "_TASKCLI_COMPLETE": "complete_zsh",
            "_TYPER_COMPLETE_ARGS": line,
        },
    )
    assert result.returncode == 0, result.stderr
    return dict(re.findall(r'"(\d+)":"([^"]*)"', result.stdout))


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("taskcli undone ", {"3": "Sleep early"}),
        ("taskcli done ", {"1": "Buy milk", "2": "Call mom"}),
        ("taskcli edit ", {"1": "Buy milk", "2": "Call mom"}),
        ("taskcli move ", {"1": "Buy milk", "2": "Call mom"}),
        ("taskcli rm ", {"1": "Buy milk", "2": "Call mom", "3": "Sleep early"}),
        ("taskcli show ", {"1": "Buy milk", "2": "Call mom", "3": "Sleep early"}),
        ("taskcli add x --parent ", {"1": "Buy milk", "2": "Call mom", "3": "Sleep early"}),
        ("taskcli move 2 --parent ", {"1": "Buy milk", "2": "Call mom", "3": "Sleep early"}),
        ("taskcli list --parent ", {"1": "Buy milk", "2": "Call mom", "3": "Sleep early"}),
    ],
)
def test_each_command_is_offered_the_tasks_it_takes(
    tasks: Cli, line: str, offered: dict[str, str]
) -> None:
    assert zsh(tasks, line) == offered
    expected = (
        [f"{key}  {title}" for key, title in offered.items()] if len(offered) > 1 else list(offered)
    )
    assert bash(tasks, line) == expected


def test_bash_gets_the_bare_id_when_one_task_matches(tasks: Cli) -> None:
    assert bash(tasks, "taskcli undone ") == [DONE]
    assert bash(tasks, "taskcli done 1") == [PENDING]
    assert bash(tasks, "taskcli done 3") == []
    assert bash(tasks, "taskcli done x") == []  # not an id: nothing, and no error


@pytest.mark.parametrize(
    ("command", "formats"),
    [
        ("list", "table|json|csv|ids"),
        ("tree", "tree|json|outline"),
        ("show", "text|json"),
        ("log", "table|json"),
        ("history", "text|json"),
        ("import", "text|json"),
        ("add", "text|json"),
        ("done", "text|json"),
        ("undone", "text|json"),
        ("edit", "text|json"),
        ("move", "text|json"),
    ],
)
def test_help_lists_exactly_the_formats_a_command_offers(
    cli: Cli, command: str, formats: str
) -> None:
    assert f"--format <{formats}>" in cli.ok(command, "--help").stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_itself_lists_ids_with_titles(tasks: Cli, tmp_path: Path) -> None:
    """Typer's bash script, sourced in a real bash: one COMPREPLY entry per task."""
    launcher = tmp_path / "taskcli"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m taskcli "$@"\n')
    launcher.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO_ROOT),
        "TASKCLI_DATABASE_URL": tasks.url,
    }
    script = (
        'source <(_TASKCLI_COMPLETE=source_bash taskcli); COMP_WORDS=(taskcli "$@"); '
        "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _taskcli_completion taskcli; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )

    def complete(*words: str) -> list[str]:
        result = subprocess.run(
            ["bash", "--norc", "--noprofile", "-c", script, "bash", *words],
            env=env,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return [line for line in result.stdout.splitlines() if line]

    assert complete("done", "") == ["1  Buy milk", "2  Call mom"]
    assert complete("done", "2") == ["2"]
    assert complete("undone", "") == ["3"]
