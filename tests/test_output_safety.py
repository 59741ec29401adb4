"""Titles are data (RELIABILITY.md T6, T8): never Rich markup, never terminal
control sequences, on every render path and output mode; data formats keep
them exactly; pipes get one task per line and a closed pipe ends quietly.

Hostile titles are written both through ``add`` (where validation allows)
and directly with SQL, because a shared database has other writers.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Cli, run_subprocess
from taskhelpers import (
    TASKCLI,
    Output,
    Row,
    add,
    as_json,
    in_parallel,
    insert_tasks,
    run_in_terminal,
    run_shell,
)

from taskcli.errors import UsageError
from taskcli.validation import validate_title

# Accepted by ``add``: markup look-alikes, a long word.
MARKUP_TITLES = (
    "[red]PWNED[/red]",
    "[bold]x",
    "fix [/] bracket",
    "note [/bold] end",
    "[link=https://evil.example]click[/link]",
    "done :thumbs_up:",
    "C:\\dir\\",
    "[[x]]",
    "\\[escaped]",
    "w" * 500,
)
# Refused by ``add``; only another writer (or an older version) can store them.
CONTROL_TITLES = (
    "x\x1b[2J\x1b[Hy",
    "\x1b]0;owned\x07",
    "\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]52;c;cHduZWQ=\x07",
    "\x9b31m C1 CSI",
    "Done\rFAILED",
    "\x07\x08 bell and backspace",
    "two\nlines",
    "nul-free \x7f delete",
    "abc\u202edcba",
    "zero\u200bwidth",
    "pay alice\U000e0062\U000e006f\U000e0062 x",
    "soft\u00adhy\u061cph\u2064en",
)
HOSTILE_NOTE = "note \x1b]52;c;cHduZWQ=\x07 end\nsecond [red]line[/red] \u202eevil"
HOSTILE_TAG = "\x1b[31mred"

_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\U000e0000-\U000e007f]"
)
_HIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069"
    "\ufeff\U000e0000-\U000e007f]+"
)
_COLOUR_CODES = {*range(30, 39), *range(40, 49), *range(90, 98), *range(100, 108)}


def _fragments(title: str) -> list[str]:
    """The printable runs of a title: each must be visible in the output."""
    return [part for part in _HIDDEN.split(title) if part]


@pytest.fixture
def hostile(cli: Cli, db_url: str) -> dict[int, str]:
    """Task 1 is the root; every other hostile title is its child. Returns id -> title."""
    titles: dict[int, str] = {}
    titles[add(cli, MARKUP_TITLES[0], "-P", "high", "-t", "work")] = MARKUP_TITLES[0]
    for title in MARKUP_TITLES[1:]:
        titles[add(cli, title, "-p", "1", "-P", "medium")] = title
    first = max(titles) + 1
    rows = [
        Row(first + offset, title, parent_id=1, priority=offset % 4)
        for offset, title in enumerate(MARKUP_TITLES + CONTROL_TITLES)
    ]
    # The first control title also carries a hostile note and a hostile stored tag.
    control = len(MARKUP_TITLES)
    rows[control] = Row(
        rows[control].id, CONTROL_TITLES[0], parent_id=1, note=HOSTILE_NOTE, tags=(HOSTILE_TAG,)
    )
    insert_tasks(db_url, rows)
    titles.update({row.id: row.title for row in rows})
    return titles


def _check(
    output: str,
    titles: Mapping[int, str],
    *,
    terminal: bool,
    no_color: bool,
    coloured: bool = True,
) -> None:
    """The scan of T6: literal text visible, nothing a terminal would act on.

    ``coloured``: the output has priorities to colour, so a terminal without
    NO_COLOR must show some colour (proof that terminal mode was really on).
    """
    assert "[red]PWNED[/red]" in output
    for literal in (
        "[link=https://evil.example]click[/link]",
        "done :thumbs_up:",
        "fix [/] bracket",
    ):
        if literal in titles.values():
            assert literal in output, literal
    assert "\U0001f44d" not in output, "an emoji code was interpreted"
    for title in titles.values():
        for fragment in _fragments(title):
            if len(fragment) <= 60 or not terminal:
                assert fragment in output, fragment
    for char in ("\x00", "\x07", "\x08", "\x7f", "\x9b"):
        assert char not in output, repr(char)
    assert not _INVISIBLE.search(output)
    assert not re.search(r"\r(?!\n)", output), "bare carriage return"
    assert "Traceback" not in output
    if not terminal:
        assert "\x1b" not in output
        return
    assert "\x1b]" not in output, "OSC sequence"
    assert "\x1b" not in _SGR.sub("", output), "an escape that is not SGR"
    codes = {int(code) for params in _SGR.findall(output) for code in params.split(";") if code}
    if no_color:
        assert not codes & _COLOUR_CODES, sorted(codes & _COLOUR_CODES)
    elif coloured:
        assert codes & _COLOUR_CODES, "terminal mode should colour something"


def _subprocess(args: tuple[str, ...], url: str, env: Mapping[str, str]) -> Callable[[], Output]:
    def job() -> Output:
        result = run_subprocess(args, env={"TASKCLI_DATABASE_URL": url, **env})
        return Output(result.returncode, result.stdout, result.stderr)

    return job


def _terminal(args: tuple[str, ...], url: str, env: Mapping[str, str]) -> Callable[[], Output]:
    def job() -> Output:
        return run_in_terminal(args, env={"TASKCLI_DATABASE_URL": url, **env})

    return job


PIPED: dict[str, str] = {}
TTY_COMPATIBLE = {"TTY_COMPATIBLE": "1", "COLUMNS": "120"}
NO_COLOR = {"NO_COLOR": "1"}


def _control_task(hostile: Mapping[int, str]) -> int:
    """The SQL-written task with an escape-laden title, note and tag."""
    return min(i for i, title in hostile.items() if title == CONTROL_TITLES[0])


def test_hostile_titles_on_every_render_path(hostile: dict[int, str], db_url: str) -> None:
    """list, tree and show; piped, Rich-as-terminal, a real pty, with and without NO_COLOR."""
    task = _control_task(hostile)
    commands = {
        "list": ("list", "--status", "all"),
        "tree": ("tree", "--all"),
        "show-root": ("show", "1"),
        "show-task": ("show", str(task)),
    }
    tty_no_color = {**TTY_COMPATIBLE, **NO_COLOR}
    plan: dict[str, tuple[Callable[[], Output], bool, bool]] = {
        **{
            f"piped {n}": (_subprocess(a, db_url, PIPED), False, False) for n, a in commands.items()
        },
        **{
            f"tty-compatible {n}": (_subprocess(commands[n], db_url, TTY_COMPATIBLE), True, False)
            for n in ("tree", "show-root", "show-task")
        },
        **{
            f"tty-compatible no-color {n}": (
                _subprocess(commands[n], db_url, tty_no_color),
                True,
                True,
            )
            for n in ("tree", "show-root")
        },
        "pty list": (_terminal(commands["list"], db_url, {}), True, False),
        "pty tree": (_terminal(commands["tree"], db_url, {}), True, False),
        "pty no-color list": (_terminal(commands["list"], db_url, NO_COLOR), True, True),
    }
    outputs = in_parallel({name: job for name, (job, _, _) in plan.items()})

    for name, output in outputs.items():
        _, terminal, no_color = plan[name]
        assert output.returncode == 0, (name, output.stderr)
        assert output.stderr == "", (name, output.stderr)
        shown = {1: hostile[1], task: hostile[task]} if name.endswith("show-task") else hostile
        try:
            _check(
                output.stdout,
                shown,
                terminal=terminal,
                no_color=no_color,
                coloured=shown is hostile,
            )
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}\n{output.stdout!r}") from None
    for name in ("piped show-task", "tty-compatible show-task"):
        assert "second [red]line[/red]" in outputs[name].stdout, "notes keep their lines"
        assert "\\x1b]52;c;cHduZWQ=\\x07" in outputs[name].stdout
    assert "\\x1b[31mred" in outputs["piped list"].stdout, "a stored tag is shown escaped"
    assert "\\x1b[31mred" in outputs["pty list"].stdout


def test_data_formats_keep_titles_exactly(hostile: dict[int, str], db_url: str) -> None:
    """JSON round-trips every title byte for byte, escaped (no raw ESC on stdout)."""
    outputs = in_parallel(
        {
            "list": _subprocess(("list", "--status", "all", "-f", "json"), db_url, PIPED),
            "tree": _subprocess(("tree", "1", "-f", "json"), db_url, PIPED),
            "show": _subprocess(("show", str(_control_task(hostile)), "-f", "json"), db_url, PIPED),
        }
    )
    for name, output in outputs.items():
        assert output.returncode == 0, (name, output.stderr)
        assert output.stdout.isascii(), name
        assert "\x1b" not in output.stdout
    listed = {task["id"]: task["title"] for task in json.loads(outputs["list"].stdout)}
    assert listed == hostile
    tree = json.loads(outputs["tree"].stdout)
    assert {node["id"]: node["title"] for node in tree["subtasks"]} | {1: tree["title"]} == hostile
    shown = json.loads(outputs["show"].stdout)
    assert shown["note"] == HOSTILE_NOTE
    assert shown["tags"] == [HOSTILE_TAG]
    assert shown["ancestors"][0]["title"] == "[red]PWNED[/red]"


def test_messages_quote_titles_safely(hostile: dict[int, str], cli: Cli) -> None:
    """Change confirmations and error lines show escapes, never raw control characters."""
    control_task = _control_task(hostile)
    done = cli.ok("done", str(control_task)).stdout
    assert done == f"Completed task {control_task}: x\\x1b[2J\\x1b[Hy\n"
    edited = cli.ok("edit", str(control_task), "-P", "low").stdout
    assert "\x1b" not in edited
    removed = cli.ok("rm", "-y", str(control_task)).stdout
    assert removed == f"Deleted task {control_task}: x\\x1b[2J\\x1b[Hy\n"
    error = cli.fails(2, "add", "x", "--due", "\x1b]0;owned\x07").stderr
    assert "owned" in error
    assert "\x1b" not in error
    assert "\x07" not in error


def test_piped_table_keeps_one_task_per_line(cli: Cli, db_url: str) -> None:
    """No wrapping at 80 columns when piped: 200-character titles stay on their line."""
    titles = {
        add(cli, "word " * 39 + "last!"): "word " * 39 + "last!",
        add(cli, "u" * 200): "u" * 200,
        add(cli, ("x" * 99 + " ") * 2, "-p", "1", "-t", "long"): ("x" * 99 + " ") * 2,
    }
    insert_tasks(db_url, [Row(1234567, "big id " + "z" * 193, parent_id=2)])
    titles[1234567] = "big id " + "z" * 193
    assert all(len(title.strip()) >= 199 for title in titles.values())
    outputs = in_parallel(
        {
            "list": _subprocess(("list", "--sort", "id"), db_url, PIPED),
            "tree": _subprocess(("tree",), db_url, PIPED),
        }
    )
    header, *rows = outputs["list"].stdout.splitlines()
    assert header.split()[:3] == ["ID", "Pri", "Title"]
    assert len(rows) == len(titles)
    for line, (task_id, title) in zip(rows, sorted(titles.items()), strict=True):
        assert line.split()[0] == str(task_id)
        assert title.strip() in line
    tree_lines = outputs["tree"].stdout.splitlines()
    assert len(tree_lines) == len(titles)
    for title in titles.values():
        assert any(title.strip() in line for line in tree_lines)


def test_closed_pipe_ends_quietly(cli: Cli, db_url: str) -> None:
    """``taskcli list | head -1`` with thousands of tasks: no traceback, no message."""
    insert_tasks(
        db_url,
        [
            Row(i, f"task number {i} with a title long enough to fill the pipe buffer")
            for i in range(1, 4001)
        ],
    )
    env = {"TASKCLI_DATABASE_URL": db_url}
    pipelines = {
        "list": (f"{TASKCLI} list | head -1", "ID  Pri  Title"),
        "json": (f"{TASKCLI} list -f json | head -c 1", "["),
        "csv": (f"{TASKCLI} list -f csv | head -1", "id,title,"),
        "tree": (f"{TASKCLI} tree | head -1", "○ 1 task number 1 "),
        # The reader is gone before the first write: EPIPE for certain.
        "gone": (f"{TASKCLI} list | true", ""),
    }
    outputs = in_parallel(
        {
            name: (
                lambda command=command: run_shell(
                    f'{command}; echo "rc=${{PIPESTATUS[0]}}"', env=env
                )
            )
            for name, (command, _) in pipelines.items()
        }
    )
    for name, result in outputs.items():
        first, _, status = result.stdout.rpartition("rc=")
        assert first.lstrip().startswith(pipelines[name][1]), (name, first[:80])
        # 141 when the broken pipe surfaces as EPIPE; 0 when the kernel took a
        # partial write and Python dropped the rest. Both are quiet.
        assert status.strip() in (("141",) if name == "gone" else ("0", "141")), (name, status)
        assert result.stderr == "", (name, result.stderr)


def _accepted(title: str) -> bool:
    try:
        validate_title(title)
    except UsageError:
        return False
    return title.strip() != "-"  # ``add -`` means "read titles from stdin" in the SPEC


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=st.text(
        alphabet=st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=500
    ).filter(_accepted)
)
def test_any_valid_title_round_trips(tmp_path_factory: pytest.TempPathFactory, title: str) -> None:
    """Property (SQLite): whatever ``add`` accepts, ``show -f json`` returns, trimmed only."""
    cli = _property_cli(tmp_path_factory)
    task_id = add(cli, title)
    shown = as_json(cli, "show", str(task_id))
    assert shown["title"] == title.strip()
    assert unicodedata.normalize("NFC", shown["title"]) == unicodedata.normalize(
        "NFC", title.strip()
    )


_PROPERTY_DATABASES: dict[int, Cli] = {}


def _property_cli(factory: pytest.TempPathFactory) -> Cli:
    """One SQLite database for all examples of the property test."""
    key = id(factory)
    if key not in _PROPERTY_DATABASES:
        path = factory.mktemp("property") / "tasks.db"
        _PROPERTY_DATABASES[key] = Cli(url=f"sqlite:///{path}", env={})
    return _PROPERTY_DATABASES[key]
