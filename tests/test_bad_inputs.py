"""Bad input (RELIABILITY.md T4, plus our own cases): the SPEC's exit code,
one clear ``Error:`` line (or Click's own usage message for exit 2), nothing
on stdout, and not a single row changed."""

from __future__ import annotations

import pytest
from support import Cli, dump, error_line
from taskhelpers import Row, add, as_json, insert_tasks

from taskcli.config import resolve_settings

MISSING = "424242"
HUGE = "99999999999999999999"
PAST_INT = str(2**31)  # one past PostgreSQL INTEGER
PAST_BIGINT = str(2**63)  # one past SQLite's and PostgreSQL's BIGINT
CLICK = ""  # found by Click or by our own checks: any wording, still one Error: line

# (args, exit code, expected substring of our one Error: line, or CLICK)
CASES = [
    # add: titles
    pytest.param(("add", ""), 2, "title must not be empty", id="add-empty-title"),
    pytest.param(("add", "   "), 2, "title must not be empty", id="add-blank-title"),
    pytest.param(("add", "x" * 501), 2, "title is longer than 500", id="add-501-chars"),
    pytest.param(("add", "a\x1b[2Jb"), 2, "title contains control char", id="add-escape"),
    pytest.param(("add", "ding\x07"), 2, "title contains control char", id="add-bell"),
    pytest.param(("add", "line1\nline2"), 2, "title must be one line", id="add-multiline"),
    pytest.param(("add", "Done\rFAILED"), 2, "title must be one line", id="add-carriage-ret"),
    pytest.param(("add", "one\u2028two"), 2, "title must be one line", id="add-line-separator"),
    pytest.param(("add", "\udcff\udcfe"), 2, "title is not valid UTF-8", id="add-non-utf8"),
    pytest.param(("add",), 2, CLICK, id="add-no-title"),
    # add: invisible format characters (Unicode Cf) that could disguise a title
    pytest.param(("add", "pay alice\U000e0062\U000e006fx"), 2, "U+E0062", id="add-tag-chars"),
    pytest.param(("add", "abc\u202edcba"), 2, "invisible formatting", id="add-bidi-override"),
    pytest.param(("add", "a\u2066b\u2069"), 2, "invisible formatting", id="add-bidi-isolate"),
    pytest.param(("add", "x\u061cy"), 2, "U+061C", id="add-arabic-letter-mark"),
    pytest.param(("add", "x\u2064y"), 2, "U+2064", id="add-invisible-plus"),
    pytest.param(("add", "soft\u00adhyphen"), 2, "U+00AD", id="add-soft-hyphen"),
    pytest.param(("add", "zero\u200bwidth"), 2, "U+200B", id="add-zero-width-space"),
    pytest.param(("add", "bom\ufeff"), 2, "U+FEFF", id="add-bom"),
    pytest.param(("add", "x", "-t", "a\u00adb"), 2, "tag contains an invisible", id="add-tag-shy"),
    pytest.param(("add", "x", "-t", "\U000e0041"), 2, "tag contains an invisible", id="tag-e0041"),
    pytest.param(("edit", "5", "--title", "a\u202eb"), 2, "invisible", id="edit-bidi"),
    pytest.param(("edit", "5", "-t", "+a\u2064"), 2, "invisible", id="edit-tag-invisible"),
    # dates outside 1900-01-01 .. 9998-12-31
    pytest.param(("add", "x", "-d", "9999-01-01"), 2, "between 1900-01-01 and", id="due-9999"),
    pytest.param(("add", "x", "-d", "9999-12-31"), 2, "between 1900-01-01 and", id="due-9999-end"),
    pytest.param(("add", "x", "-d", "1899-12-31"), 2, "between 1900-01-01 and", id="due-1899"),
    pytest.param(("add", "x", "-d", "0001-01-01T00:00"), 2, "between 1900", id="due-year-1"),
    pytest.param(("add", "x", "-d", "+9999y"), 2, "between 1900-01-01 and", id="due-plus-9999y"),
    pytest.param(("add", "x", "-d", "in 9999 years"), 2, "between 1900", id="due-in-9999-years"),
    pytest.param(("edit", "5", "-d", "9999-06-01"), 2, "between 1900", id="edit-due-9999"),
    pytest.param(("list", "--due-before", "0001-01-01"), 2, "between 1900", id="list-before-1"),
    pytest.param(
        ("list", "--due-before", "9999-12-31T23:59"), 2, "between 1900", id="list-before-9999"
    ),
    # add: parent ids
    pytest.param(("add", "x", "--parent", "abc"), 2, CLICK, id="add-parent-abc"),
    pytest.param(("add", "x", "--parent", "0"), 2, "must be a positive task id", id="add-parent-0"),
    pytest.param(("add", "x", "-p", "-3"), 2, "must be a positive task id", id="add-parent-neg"),
    pytest.param(("add", "x", "--parent", HUGE), 2, "task id out of range", id="add-parent-huge"),
    pytest.param(("add", "x", "--parent", MISSING), 1, "no task 424242", id="add-parent-missing"),
    # add: other values
    pytest.param(("add", "x", "--priority", "urgent"), 2, CLICK, id="add-priority-urgent"),
    pytest.param(("add", "x", "--due", "2026-02-30"), 2, "accepted forms:", id="add-due-feb-30"),
    pytest.param(("add", "x", "--due", "2026-13-01"), 2, "invalid date", id="add-due-month-13"),
    pytest.param(
        ("add", "x", "--due", "tomorrow; DROP TABLE task"), 2, "invalid date", id="add-due-sql"
    ),
    pytest.param(("add", "x", "--due", "next blursday"), 2, "invalid date", id="add-due-words"),
    pytest.param(("add", "x", "-d", "31/12/2026"), 2, "invalid date", id="add-due-slashes"),
    pytest.param(("add", "x", "--tag", ""), 2, "tag must be a lowercase word", id="add-tag-empty"),
    pytest.param(("add", "x", "-t", "two words"), 2, "tag must be a lowercase", id="add-tag-space"),
    pytest.param(("add", "x", "-t", "a,b"), 2, "tag must be a lowercase word", id="add-tag-comma"),
    pytest.param(("add", "x", "-t", "x" * 65), 2, "at most 64 characters", id="add-tag-65"),
    pytest.param(
        ("add", "x", "-n", "a\x1b]0;t\x07"), 2, "note contains control", id="add-note-osc"
    ),
    # done / undone
    pytest.param(("done", MISSING), 1, "no task 424242", id="done-missing"),
    pytest.param(("done", "5", MISSING), 1, "no task 424242", id="done-one-missing"),
    pytest.param(("done", "1"), 4, "task 1 has 3 pending subtasks; use -r", id="done-open-subs"),
    pytest.param(("done", "0"), 2, "must be a positive task id", id="done-id-0"),
    pytest.param(("done", "abc"), 2, CLICK, id="done-id-abc"),
    pytest.param(("done", HUGE), 2, "task id out of range", id="done-id-huge"),
    pytest.param(("done",), 2, CLICK, id="done-no-ids"),
    pytest.param(("undone", MISSING), 1, "no task 424242", id="undone-missing"),
    pytest.param(("undone", "5", "0"), 2, "must be a positive task id", id="undone-id-0"),
    # show / tree
    pytest.param(("show", MISSING), 1, "no task 424242", id="show-missing"),
    pytest.param(("show", "abc"), 2, CLICK, id="show-id-abc"),
    pytest.param(("show", "-3"), 2, CLICK, id="show-id-neg"),
    pytest.param(("show", "0"), 2, "must be a positive task id", id="show-id-0"),
    pytest.param(("show", HUGE), 2, "task id out of range", id="show-id-huge"),
    pytest.param(("show", "5", "-f", "csv"), 2, CLICK, id="show-format-csv"),
    pytest.param(("tree", MISSING), 1, "no task 424242", id="tree-missing"),
    pytest.param(("tree", "--depth", "0"), 2, CLICK, id="tree-depth-0"),
    pytest.param(("tree", "-f", "yaml"), 2, CLICK, id="tree-format-yaml"),
    # edit
    pytest.param(("edit", MISSING, "--title", "x"), 1, "no task 424242", id="edit-missing"),
    pytest.param(("edit", "5"), 2, "nothing to change", id="edit-nothing"),
    pytest.param(("edit", "5", "--title", " "), 2, "title must not be empty", id="edit-blank"),
    pytest.param(("edit", "5", "--title", "a\nb"), 2, "title must be one line", id="edit-2-lines"),
    pytest.param(("edit", "5", "-P", "urgent"), 2, CLICK, id="edit-priority-urgent"),
    pytest.param(("edit", "5", "--due", "someday"), 2, "invalid date", id="edit-due-someday"),
    pytest.param(("edit", "5", "--tag", "two words"), 2, "tag must be", id="edit-tag-space"),
    pytest.param(("edit", "5", "--tag", "+"), 2, "tag must be", id="edit-tag-plus-only"),
    pytest.param(("edit", "5", "--tag", "-"), 2, "tag must be", id="edit-tag-minus-only"),
    pytest.param(("edit", "5", "-t", "+ok", "-t", "-a b"), 2, "tag must be", id="edit-tag-mixed"),
    # move
    pytest.param(
        ("move", "5", "--parent", "5"), 4, "cannot move task 5 under itself", id="mv-self"
    ),
    pytest.param(("move", "1", "--parent", "4"), 4, "inside 1's subtree", id="move-cycle"),
    pytest.param(
        ("move", "5", "--parent", "6", "--root"), 2, "exactly one of --parent", id="move-both"
    ),
    pytest.param(("move", "5"), 2, "exactly one of --parent PID or --root", id="move-neither"),
    pytest.param(("move", MISSING, "--root"), 1, "no task 424242", id="move-missing"),
    pytest.param(("move", "5", "-p", MISSING), 1, "no task 424242", id="move-missing-parent"),
    pytest.param(("move", "5", "-p", "0"), 2, "must be a positive task id", id="move-parent-0"),
    # rm
    pytest.param(("rm", "-y", MISSING), 1, "no task 424242", id="rm-missing"),
    pytest.param(("rm", "-y", "1"), 4, "task 1 has 4 subtasks; use -r", id="rm-with-subtasks"),
    pytest.param(("rm", "-y", "6", "abc"), 2, CLICK, id="rm-id-abc"),
    # list
    pytest.param(("list", "--sort", "title; DROP TABLE task"), 2, CLICK, id="list-sort-sql"),
    pytest.param(("list", "--sort", "bogus"), 2, CLICK, id="list-sort-bogus"),
    pytest.param(("list", "--status", "open"), 2, CLICK, id="list-status-open"),
    pytest.param(("list", "--limit", "-1"), 2, CLICK, id="list-limit-neg"),
    pytest.param(("list", "--limit", "abc"), 2, CLICK, id="list-limit-abc"),
    pytest.param(("list", "--format", "yaml"), 2, CLICK, id="list-format-yaml"),
    pytest.param(("list", "--priority", "urgent"), 2, CLICK, id="list-priority-urgent"),
    pytest.param(("list", "--due-before", "soon"), 2, "invalid date", id="list-due-before-soon"),
    pytest.param(("list", "--parent", MISSING), 1, "no task 424242", id="list-parent-missing"),
    pytest.param(("list", "--parent", "0"), 2, "must be a positive task id", id="list-parent-0"),
    pytest.param(("list", "--tag", "a b"), 2, "tag must be a lowercase word", id="list-tag-space"),
    # numbers past what either backend can hold
    pytest.param(("list", "--limit", HUGE), 2, CLICK, id="list-limit-huge"),
    pytest.param(("list", "--limit", PAST_BIGINT), 2, CLICK, id="list-limit-past-bigint"),
    pytest.param(("list", "--limit", PAST_INT), 2, CLICK, id="list-limit-past-int"),
    pytest.param(("list", "--limit", "\u00b3"), 2, CLICK, id="list-limit-superscript"),
    pytest.param(
        ("list", "--parent", PAST_BIGINT), 2, "task id out of range", id="list-parent-big"
    ),
    pytest.param(("tree", "--depth", HUGE), 2, CLICK, id="tree-depth-huge"),
    pytest.param(("tree", PAST_INT), 2, "task id out of range", id="tree-id-past-int"),
    pytest.param(("log", "-n", HUGE), 2, CLICK, id="log-n-huge"),
    pytest.param(("log", "--limit", PAST_BIGINT), 2, CLICK, id="log-limit-past-bigint"),
    pytest.param(("undo", "--steps", HUGE), 2, CLICK, id="undo-steps-huge"),
    pytest.param(("undo", "-n", PAST_INT), 2, CLICK, id="undo-n-past-int"),
    pytest.param(("redo", "-n", PAST_BIGINT), 2, CLICK, id="redo-n-past-bigint"),
    pytest.param(("history", HUGE), 2, "task id out of range", id="history-id-huge"),
    pytest.param(("history", PAST_INT), 2, "task id out of range", id="history-id-past-int"),
    pytest.param(("show", PAST_BIGINT), 2, "task id out of range", id="show-id-past-bigint"),
    pytest.param(("done", PAST_INT), 2, "task id out of range", id="done-id-past-int"),
    pytest.param(("rm", "-y", PAST_INT), 2, "task id out of range", id="rm-id-past-int"),
    pytest.param(("move", PAST_INT, "--root"), 2, "task id out of range", id="move-past-int"),
    pytest.param(("move", "5", "-p", HUGE), 2, "task id out of range", id="move-parent-huge"),
    pytest.param(("edit", PAST_BIGINT, "-t", "+a"), 2, "out of range", id="edit-id-past-bigint"),
    pytest.param(("list", "--search", "\udcff"), 2, "search is not valid UTF-8", id="search-bad"),
]


@pytest.fixture
def seeded(cli: Cli, db_url: str) -> Cli:
    """1 Parent > (2 > 4, 3 [done] > 7): 3 of 4 descendants pending; 5 Leaf; 6 Other."""
    insert_tasks(
        db_url,
        [
            Row(1, "Parent", tags=("work",)),
            Row(2, "Child", parent_id=1),
            Row(3, "Child 2", parent_id=1, status="done"),
            Row(4, "Grandchild", parent_id=2),
            Row(5, "Leaf", tags=("a",)),
            Row(6, "Other", tags=("work", "a")),
            Row(7, "Pending under done", parent_id=3),
        ],
    )
    return cli


@pytest.mark.parametrize(("args", "code", "message"), CASES)
def test_bad_input(
    seeded: Cli, db_url: str, args: tuple[str, ...], code: int, message: str
) -> None:
    """Right exit code, one clear line on stderr, empty stdout, database unchanged."""
    before = dump(db_url)
    result = seeded(*args)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert not lines[0].startswith("Error: internal error")
    assert message in lines[0]
    assert dump(db_url) == before


def test_cases_cover_enough_ground() -> None:
    """The table stays at least 30 rows and uses every exit code of these commands."""
    assert len(CASES) >= 30
    assert {case.values[1] for case in CASES} == {1, 2, 4}


def test_title_of_500_characters_is_accepted(cli: Cli) -> None:
    """The boundary: exactly 500 characters (after trimming) is a valid title."""
    title = "é" + "x" * 498 + "!"
    assert len(title) == 500
    assert as_json(cli, "add", f"  {title}  ")["title"] == title
    assert as_json(cli, "show", "1")["title"] == title
    assert as_json(cli, "edit", "1", "--title", title[::-1])["title"] == title[::-1]


def test_visible_unicode_and_joiners_are_accepted(cli: Cli) -> None:
    """Invisible format characters are refused, but emoji and zero-width joiners
    (which spell Persian, Indic scripts and emoji sequences) are data."""
    titles = (
        "emoji \U0001f600 ok",
        "family \U0001f468\u200d\U0001f469",
        "\u0645\u06cc\u200c\u062e",
    )
    for title in titles:
        add(cli, title)
    assert [t["title"] for t in as_json(cli, "list", "--sort", "id")] == list(titles)


# (environment variable, value, expected substring of the Error: line)
ENV_CASES = [
    pytest.param("TASKCLI_JOURNAL_KEEP", "\u00b3", "TASKCLI_JOURNAL_KEEP", id="keep-superscript"),
    pytest.param("TASKCLI_JOURNAL_KEEP", "\u0663", "TASKCLI_JOURNAL_KEEP", id="keep-arabic-digit"),
    pytest.param("TASKCLI_JOURNAL_KEEP", HUGE, "TASKCLI_JOURNAL_KEEP", id="keep-huge"),
    pytest.param("TASKCLI_JOURNAL_KEEP", PAST_INT, "TASKCLI_JOURNAL_KEEP", id="keep-past-int"),
    pytest.param("TASKCLI_JOURNAL_KEEP", "0", "TASKCLI_JOURNAL_KEEP", id="keep-0"),
    pytest.param("TASKCLI_JOURNAL_KEEP", "1e3", "TASKCLI_JOURNAL_KEEP", id="keep-exponent"),
    pytest.param("TASKCLI_LOCK_TIMEOUT", "\u0663", "TASKCLI_LOCK_TIMEOUT", id="lock-arabic-digit"),
    pytest.param("TASKCLI_LOCK_TIMEOUT", "\u00b3", "TASKCLI_LOCK_TIMEOUT", id="lock-superscript"),
    pytest.param("TASKCLI_LOCK_TIMEOUT", "inf", "TASKCLI_LOCK_TIMEOUT", id="lock-inf"),
    pytest.param("TASKCLI_LOCK_TIMEOUT", "nan", "TASKCLI_LOCK_TIMEOUT", id="lock-nan"),
    pytest.param("TASKCLI_LOCK_TIMEOUT", "1e308", "TASKCLI_LOCK_TIMEOUT", id="lock-1e308"),
    pytest.param("TASKCLI_LOCK_TIMEOUT", HUGE, "TASKCLI_LOCK_TIMEOUT", id="lock-huge"),
    pytest.param("TASKCLI_LOCK_TIMEOUT", "1_0", "TASKCLI_LOCK_TIMEOUT", id="lock-underscore"),
]


@pytest.mark.parametrize(("name", "value", "message"), ENV_CASES)
def test_bad_environment_value(
    seeded: Cli, db_url: str, name: str, value: str, message: str
) -> None:
    """Bad settings: exit 2, one line naming the variable, nothing written."""
    before = dump(db_url)
    for args in (("add", "x"), ("list",)):
        result = seeded(*args, env={name: value})
        assert result.exit_code == 2, (args, result.exit_code, result.stdout, result.stderr)
        assert result.stdout == ""
        assert message in error_line(result)
    assert dump(db_url) == before


def test_sub_millisecond_lock_timeout_never_means_wait_forever(cli: Cli) -> None:
    """PostgreSQL reads lock_timeout=0 as "no limit": a tiny positive wait stays 1 ms."""
    settings = resolve_settings(cli.url, {"TASKCLI_LOCK_TIMEOUT": "0.0005"})
    assert settings.lock_timeout == 0.001
    assert int(settings.lock_timeout * 1000) >= 1
    result = cli("add", "x", env={"TASKCLI_LOCK_TIMEOUT": "0.0005"})
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("length", [101, 300])
def test_long_user_name_writes_and_undoes(cli: Cli, db_url: str, length: int) -> None:
    """A USER longer than the journal's column still writes, and undo finds its commands."""
    long_name = "u" * (length - 1) + "z"
    other = "u" * (length - 1) + "y"  # same first 100 characters: must stay a different user
    env = {"USER": long_name, "LOGNAME": long_name}
    result = cli("add", "mine", env=env)
    assert result.exit_code == 0, result.stderr
    result = cli("add", "theirs", env={"USER": other, "LOGNAME": other})
    assert result.exit_code == 0, result.stderr
    users = [op["user"] for op in as_json(cli, "log")]
    assert all(len(user) <= 100 for user in users)
    assert len(set(users)) == 2
    result = cli("undo", env=env)
    assert result.exit_code == 0, result.stderr
    assert [t["title"] for t in as_json(cli, "list")] == ["theirs"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("list", "--bogus"), "Error: no such option: --bogus"),
        (("list", "-f", "xml"), "Error: invalid value for '--format' / '-f': 'xml' is not one of"),
        (("list", "--under", "abc"), "Error: invalid value for '--under': not a whole number"),
        (("bogus",), "Error: no such command 'bogus'"),
        (("add",), "Error: missing argument 'TITLE...'"),
    ],
)
def test_usage_errors_click_finds_are_one_line_saying_where_help_is(
    cli: Cli, args: tuple[str, ...], expected: str
) -> None:
    """Not Click's usage block and hint: one line in our words, as every other error."""
    result = cli(*args)
    assert result.exit_code == 2
    line = error_line(result)
    assert line.startswith(expected), line
    assert line.endswith(" -h'"), line
    assert "Value error" not in line
    assert "Input should be" not in line
