"""A first end-to-end check on both backends."""

import json

from support import Cli


def test_add_then_list_json(cli: Cli) -> None:
    cli.ok("add", "hello", "-t", "Work")
    result = cli.ok("list", "-f", "json")
    [task] = json.loads(result.stdout)
    assert task["title"] == "hello"
    assert task["tags"] == ["work"]
