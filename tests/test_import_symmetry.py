"""Import refuses what it cannot store (exit 2, one line, nothing written) and
accepts everything taskcli itself stores: a database exported from either
backend imports into the other."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from support import Cli, dump, error_line
from taskhelpers import Row, as_json, insert_tasks

UUID = "8ad2e3db-914d-4832-b0e6-72fa04f6e331"


def _native(**fields: Any) -> str:
    task = {"id": 1, "title": "t", "status": "pending", "priority": "none", **fields}
    return json.dumps({"format": "taskcli", "version": 1, "tasks": [task]})


def _taskwarrior(**fields: Any) -> str:
    return json.dumps([{"uuid": UUID, "description": "d", "status": "pending", **fields}])


NESTED = "[" * 100_000 + "]" * 100_000
NESTED_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000

# (import options, file text, expected substring of the Error: line)
BAD_IMPORTS = [
    pytest.param((), NESTED, "nested too deeply", id="native-nested-arrays"),
    pytest.param((), NESTED_OBJECT, "nested too deeply", id="native-nested-objects"),
    pytest.param(("--from", "taskwarrior"), NESTED, "nested too deeply", id="tw-nested"),
    pytest.param(("--from", "taskwarrior"), NESTED_OBJECT, "nested too deeply", id="tw-lines"),
    pytest.param(
        (),
        json.dumps({"format": "taskcli", "version": True, "tasks": []}),
        "unsupported export version True",
        id="version-true",
    ),
    pytest.param(
        (),
        json.dumps({"format": "taskcli", "version": 1.0, "tasks": []}),
        "unsupported export version 1.0",
        id="version-float",
    ),
    pytest.param(
        (),
        json.dumps(
            {
                "format": "taskcli",
                "version": 1,
                "tasks": [
                    {"id": 1, "title": "a", "external_id": "same"},
                    {"id": 2, "title": "b", "external_id": "same"},
                ],
            }
        ),
        "record 2: external_id 'same' appears twice",
        id="duplicate-external-id",
    ),
    pytest.param((), _native(external_id="a\u0000b"), "external_id must be", id="ext-id-nul"),
    pytest.param((), _native(external_id="a\ud800"), "external_id must be", id="ext-id-surrogate"),
    pytest.param((), _native(external_id=""), "external_id must be", id="ext-id-empty"),
    pytest.param((), _native(external_id="x" * 201), "external_id must be", id="ext-id-201"),
    pytest.param((), _native(title="a\u0000b"), "title contains control", id="title-nul"),
    pytest.param((), _native(title="a\udc80"), "title is not valid UTF-8", id="title-surrogate"),
    pytest.param((), _native(note="a\u0000b"), "note contains control", id="note-nul"),
    pytest.param((), _native(note="\ud83d"), "note is not valid UTF-8", id="note-surrogate"),
    pytest.param((), _native(tags=["a\u0000"]), "tag must be", id="tag-nul"),
    pytest.param((), _native(tags=["\udfff"]), "tag is not valid UTF-8", id="tag-surrogate"),
    pytest.param(
        (), _native(due="9999-12-31T23:59:00+00:00"), "due 9999-12-31", id="due-9999-12-31"
    ),
    pytest.param((), _native(due="0001-01-01T00:00:00+00:00"), "out of range", id="due-year-1"),
    pytest.param(
        (), _native(created_at="0001-01-01T00:00:00+05:00"), "out of range", id="created-year-1"
    ),
    pytest.param(
        ("--from", "taskwarrior"),
        _taskwarrior(annotations=5),
        "annotations must be a list",
        id="tw-annotations-5",
    ),
    pytest.param(
        ("--from", "taskwarrior"),
        _taskwarrior(annotations="x"),
        "annotations must be a list",
        id="tw-annotations-text",
    ),
    pytest.param(
        ("--from", "taskwarrior"),
        json.dumps([{"uuid": "a\u0000b", "description": "d"}]),
        "uuid must be printable",
        id="tw-uuid-nul",
    ),
    pytest.param(
        ("--from", "taskwarrior"),
        _taskwarrior(due="99991231T235900Z"),
        "out of range",
        id="tw-due-9999",
    ),
    pytest.param(
        ("--from", "taskwarrior"),
        _taskwarrior(entry="00010101T000000Z"),
        "out of range",
        id="tw-entry-year-1",
    ),
]


@pytest.mark.parametrize(("options", "text", "message"), BAD_IMPORTS)
def test_bad_import_exits_2(
    cli: Cli, db_url: str, options: tuple[str, ...], text: str, message: str
) -> None:
    """Exit 2 with one line naming the problem; not a traceback, not exit 70; nothing stored."""
    insert_tasks(db_url, [Row(1, "already here")])
    before = dump(db_url)
    result = cli("import", *options, "-", input=text)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert message in error_line(result)
    assert dump(db_url) == before


def test_long_taskwarrior_project_imports_exports_and_imports_again(
    cli: Cli, db_url: str, other_url: str
) -> None:
    """A project path of 400 characters: external ids stay within what both backends
    store, distinct paths stay distinct, a second import adds nothing, and the export
    imports into the other backend."""
    long_path = ".".join(["segment" + str(n).zfill(3) for n in range(40)])  # 400+ characters
    assert len(long_path) > 180
    text = json.dumps(
        [
            {"uuid": UUID, "description": "deep", "status": "pending", "project": long_path},
            {
                "uuid": "9" * 300,  # a uuid too long for the column once prefixed
                "description": "odd uuid",
                "status": "pending",
                "project": long_path + "x",  # differs only past the cut
            },
        ]
    )
    first = cli("import", "--from", "taskwarrior", "-f", "json", "-", input=text)
    assert first.exit_code == 0, first.stderr
    imported = json.loads(first.stdout)["imported"]
    assert imported == 40 + 2 + 1  # shared projects once, the last segment twice
    again = cli("import", "--from", "taskwarrior", "-f", "json", "-", input=text)
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["imported"] == 0

    exported = cli.ok("export").stdout
    external_ids = [task["external_id"] for task in json.loads(exported)["tasks"]]
    assert all(external_id and len(external_id) <= 200 for external_id in external_ids)
    assert len(set(external_ids)) == len(external_ids)
    target = Cli(url=other_url, env={})
    result = target("import", "-", input=exported)
    assert result.exit_code == 0, result.stderr
    # The same tasks; the document names the database it came from (``source``).
    assert json.loads(target.ok("export").stdout)["tasks"] == json.loads(exported)["tasks"]


def test_stored_invisible_title_restores_and_shows_escaped(
    cli: Cli, db_url: str, other_url: str
) -> None:
    """A title an older version accepted (or another writer stored) survives export and
    import; human views show its hidden characters as escapes."""
    hidden = "pay alice\U000e0062\U000e006f\U000e0062 x\u00ad\u2064\u061c"
    insert_tasks(db_url, [Row(1, hidden, tags=("t",))])
    exported = cli.ok("export").stdout
    target = Cli(url=other_url, env={})
    assert target("import", "-", input=exported).exit_code == 0
    assert as_json(target, "show", "1")["title"] == hidden
    listed = target.ok("list").stdout
    assert "pay alice\\U000e0062\\U000e006f\\U000e0062 x\\xad\\u2064\\u061c" in listed
    assert listed.isprintable() or all(c.isprintable() or c in "\n" for c in listed)


@pytest.fixture
def other_url(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> str:
    """A migrated database on the other backend (an import target)."""
    if backend == "postgresql":
        return f"sqlite:///{tmp_path / 'other.db'}"
    factory: Callable[[], str] = request.getfixturevalue("pg_database_factory")
    url = factory()
    Cli(url=url, env={}).ok("db", "upgrade")
    return url
