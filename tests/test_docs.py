"""The README documents every command and every option, and each has help text.

In the style of sqlite-utils' ``test_docs.py``: a command or option added
without documentation fails here.
"""

from __future__ import annotations

import re

import pytest
from support import REPO_ROOT
from typer import _click as click
from typer.core import TyperGroup, TyperOption
from typer.main import get_command

from taskcli.cli import app, load_all_commands

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
# Options every command has from Click itself.
BUILT_IN = {"--help"}


def _commands() -> list[tuple[str, click.Command]]:
    """(path, command) for every command, sub-commands of groups (``db upgrade``) included."""
    load_all_commands()
    found: list[tuple[str, click.Command]] = []
    root = get_command(app)

    def walk(prefix: str, command: click.Command) -> None:
        if isinstance(command, TyperGroup):
            for name, sub in sorted(command.commands.items()):
                walk(f"{prefix} {name}".strip(), sub)
        else:
            found.append((prefix, command))

    walk("", root)
    return found


COMMANDS = _commands()


def test_every_command_is_found() -> None:
    names = {path for path, _ in COMMANDS}
    assert {"add", "list", "tree", "show", "undo", "export", "db upgrade"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[path for path, _ in COMMANDS])
def test_command_is_documented_with_help(path: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"{path} has no help text"
    assert re.search(rf"(`|taskcli ){re.escape(path)}\b", README), f"README lacks `{path}`"


def _options() -> list[tuple[str, str, TyperOption]]:
    return [
        (path, option, param)
        for path, command in COMMANDS
        for param in command.params
        if isinstance(param, TyperOption)
        for option in param.opts
        if option.startswith("--") and option not in BUILT_IN
    ]


@pytest.mark.parametrize(
    ("path", "option", "param"), _options(), ids=[f"{p} {o}" for p, o, _ in _options()]
)
def test_option_is_documented_with_help(path: str, option: str, param: TyperOption) -> None:
    assert (param.help or "").strip(), f"{path} {option} has no help text"
    assert re.search(rf"{re.escape(option)}\b", README), f"README lacks {option} ({path})"
