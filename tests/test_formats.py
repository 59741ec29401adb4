"""Every format a command's ``--help`` lists is one the command really writes."""

from __future__ import annotations

import re
from typing import get_args, get_type_hints

import pytest
from support import Cli

from taskcli.cli import LAZY_COMMANDS, app, load_all_commands
from taskcli.cli.formats import FORMATS

# A command line per command that has --format, run against a top task, its child
# and a finished task.
RUNS: dict[str, tuple[str, ...]] = {
    "add": ("add", "New"),
    "list": ("list",),
    "next": ("next",),
    "tree": ("tree",),
    "show": ("show", "{top}"),
    "done": ("done", "{top}", "-r"),
    "undone": ("undone", "{finished}"),
    "edit": ("edit", "{top}", "--title", "Renamed"),
    "move": ("move", "{child}", "--root"),
    "log": ("log",),
    "history": ("history", "{top}"),
    "import": ("import", "-", "--outline"),
    "calc": ("calc", "next", "week"),
    "annotate": ("annotate", "{top}", "Called back"),
    "denotate": ("denotate", "{top}", "1"),
    "config": ("config",),
    "start": ("start", "{top}"),
    "stop": ("stop", "{child}"),
    "report": ("report", "time"),
    "context": ("context", "list"),
}


def _format_choices() -> dict[str, list[str]]:
    """Each command's declared formats: the enum its ``format`` parameter takes."""
    load_all_commands()
    choices: dict[str, list[str]] = {}
    for group in app.registered_groups:
        for info in group.typer_instance.registered_commands:
            hints = get_type_hints(info.callback, include_extras=True)
            if info.name in LAZY_COMMANDS and "format" in hints:
                declared = get_args(hints["format"])[0]
                choices[str(info.name)] = [member.value for member in declared]
    return choices


def test_every_command_with_formats_is_exercised() -> None:
    assert set(_format_choices()) == set(RUNS)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_help_lists_exactly_the_declared_formats(name: str) -> None:
    choices = _format_choices()[name]
    assert all(choice in FORMATS for choice in choices)
    result = Cli(url="sqlite:///unused.db", env={"COLUMNS": "200"}).ok(name, "--help")
    [listed] = re.findall(r"--format <([a-z|]+)>", result.stdout)
    assert listed.split("|") == choices


@pytest.mark.parametrize("name", sorted(RUNS))
def test_every_listed_format_works(cli: Cli, name: str) -> None:
    """``log --help`` once listed csv and ids and then refused them: no command may do that."""
    for choice in _format_choices()[name]:
        top = cli.ok("add", "Top", "-q").stdout.strip()
        child = cli.ok("add", "Child", "-p", top, "-q").stdout.strip()
        finished = cli.ok("add", "Finished", "-q").stdout.strip()
        cli.ok("annotate", top, "Seen")  # for denotate
        cli.ok("start", child)  # for stop
        cli.ok("done", finished)
        ids = {"top": top, "child": child, "finished": finished}
        args = [arg.format(**ids) for arg in RUNS[name]]
        result = cli(*args, "--format", choice, input="- [ ] From outline\n")
        assert result.exit_code == 0, (choice, result.stdout, result.stderr)
        assert result.stdout, choice
        cli.ok("rm", "-r", "-y", *_ids(cli))


def _ids(cli: Cli) -> list[str]:
    return cli.ok("list", "--status", "all", "-f", "ids").stdout.split()
