"""``-P``/``--priority`` takes a name or its letter in any case on add, edit and list.

A value outside the list is refused with our own one line naming the accepted
values (exit 2), never Click's or pydantic's wording, and nothing changes.
"""

from __future__ import annotations

import pytest
from support import Cli, dump, error_line
from taskhelpers import as_json

# (typed, stored): every accepted spelling, in mixed cases.
SPELLINGS = [
    ("H", "high"),
    ("h", "high"),
    ("High", "high"),
    ("HIGH", "high"),
    ("M", "medium"),
    ("med", "medium"),
    ("Med", "medium"),
    ("MEDIUM", "medium"),
    ("medium", "medium"),
    ("L", "low"),
    ("low", "low"),
    ("LoW", "low"),
    ("N", "none"),
    ("none", "none"),
    ("None", "none"),
]
ACCEPTED = "priority must be one of H/high, M/med/medium, L/low, N/none (any case)"
REFUSED = ("urgent", "", " ", "hi", "mediums", "m e d", "0", "3", "Höch", "lo w")


def test_every_spelling_on_add_edit_and_list(cli: Cli) -> None:
    """Add stores, edit changes and the list filter reads each spelling the same way."""
    low = cli.ok("add", "low one", "-P", "low", "-q").stdout.strip()
    for typed, stored in SPELLINGS:
        added = as_json(cli, "add", f"{typed} task", "--priority", typed)
        assert added["priority"] == stored, typed
        edited = as_json(cli, "edit", low, "-P", typed)
        assert edited["priority"] == stored, typed
        cli.ok("edit", low, "-P", "low")
        listed = {task["title"] for task in as_json(cli, "list", "-P", typed)}
        assert f"{typed} task" in listed, typed
        assert ("low one" in listed) == (stored in ("low", "none")), typed


@pytest.mark.parametrize("value", REFUSED)
def test_refused_value_is_one_line_of_ours(cli: Cli, db_url: str, value: str) -> None:
    cli.ok("add", "kept", "-P", "high")
    before = dump(db_url)
    for args in (
        ("add", "x", "-P", value),
        ("add", "-", "--priority", value),
        ("edit", "1", "--priority", value),
        ("list", "-P", value),
    ):
        result = cli.fails(2, *args, input="from stdin\n")
        line = error_line(result)
        assert ACCEPTED in line, (args, line)
        assert repr(value) in line
        assert "Value error" not in line
        assert "Invalid value" not in result.stderr
    assert dump(db_url) == before


def test_help_names_the_accepted_values(cli: Cli) -> None:
    for command in ("add", "edit", "list"):
        help_text = " ".join(cli.ok(command, "--help").stdout.split())
        assert "H/high, M/med/medium, L/low" in help_text, command
