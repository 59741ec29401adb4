"""Text from other writers of a shared database: every human view (history, log,
outline and CSV on a terminal) escapes control sequences and invisible format
characters; piped data formats stay exact. ``--search`` folds case alike on
both backends, with SQL wildcards literal."""

from __future__ import annotations

import json

import pytest
from support import Cli, execute, run_subprocess
from taskhelpers import Row, add, as_json, insert_tasks, run_in_terminal

from taskcli.textsafe import terminal_safe

OSC_TITLE = "\x1b]0;owned\x07"
CLEAR = "\x1b[2J"
HIDDEN = "pay alice\U000e0062\U000e006f\U000e0062 x\u00ad"
HIDDEN_SHOWN = "pay alice\\U000e0062\\U000e006f\\U000e0062 x\\xad"


def test_history_shows_a_stored_tag_name_escaped(cli: Cli, db_url: str) -> None:
    """A tag renamed by another writer to a window-title sequence prints as escapes."""
    add(cli, "task", "-t", "ok")
    execute(db_url, f"UPDATE tag SET name = '{OSC_TITLE}{CLEAR}'")
    shown = cli.ok("history", "1").stdout
    assert "\x1b" not in shown
    assert "\x07" not in shown
    assert "tag +\\x1b]0;owned\\x07\\x1b[2J" in shown
    data = json.loads(cli.ok("history", "1", "-f", "json").stdout)
    names = [f["new"] for entry in data for f in entry["fields"] if f["name"] == "tag"]
    assert names == [OSC_TITLE + CLEAR], "JSON keeps the stored text exactly"


def test_log_shows_a_stored_command_and_user_escaped(cli: Cli, db_url: str) -> None:
    add(cli, "task")
    execute(db_url, f"UPDATE operation SET command = 'add {CLEAR}', user_name = '{OSC_TITLE}'")
    shown = cli.ok("log").stdout
    assert "\x1b" not in shown
    assert "\x07" not in shown
    assert "\\x1b[2J" in shown
    assert "\\x1b]0;owned\\x07" in shown


def test_invisible_characters_stored_earlier_show_escaped(cli: Cli, db_url: str) -> None:
    """Refused at input, but a title or tag already stored shows every hidden character."""
    insert_tasks(db_url, [Row(1, HIDDEN, note="n\u202eote", tags=("t\u2064",))])
    for args in (("list",), ("tree",), ("show", "1"), ("done", "1")):
        shown = cli.ok(*args).stdout
        assert HIDDEN_SHOWN in shown, (args, shown)
        assert not any(0xE0000 <= ord(c) <= 0xE007F or c in "\u00ad\u2064\u202e" for c in shown)
    assert "t\\u2064" in cli.ok("list", "--status", "all").stdout
    assert as_json(cli, "show", "1")["title"] == HIDDEN


@pytest.mark.parametrize(
    ("args", "marker"),
    [(("tree", "-f", "outline"), "- [ ] "), (("list", "-f", "csv"), "id,title,")],
)
def test_outline_and_csv_escape_on_a_terminal_and_stay_exact_in_a_pipe(
    cli: Cli, db_url: str, args: tuple[str, ...], marker: str
) -> None:
    title = f"a{OSC_TITLE}b{CLEAR}c {HIDDEN}"
    insert_tasks(db_url, [Row(1, title, note="line one\nline two\x1b[31m")])
    env = {"TASKCLI_DATABASE_URL": db_url}
    terminal = run_in_terminal(args, env=env)
    assert terminal.returncode == 0, terminal.stderr
    assert marker in terminal.stdout
    assert "\x1b]" not in terminal.stdout
    assert "\x07" not in terminal.stdout
    assert CLEAR not in terminal.stdout
    assert "a\\x1b]0;owned\\x07b\\x1b[2Jc " + HIDDEN_SHOWN in terminal.stdout
    piped = run_subprocess(args, env=env)
    assert piped.returncode == 0, piped.stderr
    assert title in piped.stdout, "a pipe gets the stored text exactly"


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("ünï", [1]),
        ("ÜNÏ", [1]),
        ("ünïcödé", [1]),
        ("STRASSE", [2]),
        ("σοφία", [3]),
        ("ΣΟΦΊΑ", [3]),
        ("ж", [4]),
        ("%", [5]),
        ("_", [6]),
        ("100%", [5]),
        ("a_b", [6]),
        ("zzz", []),
    ],
)
def test_search_folds_case_alike_on_both_backends(
    cli: Cli, needle: str, expected: list[int]
) -> None:
    """SQLite's own lower() folds ASCII only; PostgreSQL's folds every script."""
    for title in ("Ünïcödé", "Strasse", "ΣΟΦΊΑ", "ЖУРНАЛ", "100% done", "a_b"):
        add(cli, title)
    add(cli, "plain", "-n", "note with ÜNÏCÖDÉ inside")
    found = [task["id"] for task in as_json(cli, "list", "--search", needle)]
    if needle in ("ünï", "ÜNÏ", "ünïcödé"):
        expected = [*expected, 7]  # the note matches too
    assert sorted(found) == expected


def test_terminal_safe_escapes_every_format_character() -> None:
    for char in ("\u00ad", "\u061c", "\u2064", "\U000e0001", "\U000e007f", "\u202e", "\ufeff"):
        assert char not in terminal_safe(f"a{char}b")
    assert terminal_safe("a\u200db") == "a\u200db", "joiners spell emoji and scripts"
