"""One writer of the tree-invariant storm: a real process running the real CLI.

Usage: python tree_writer.py URL SEED OPERATIONS TASKS

All writers share tasks 1..TASKS and mix ``done`` (with and without -r),
``add --parent``, ``undone`` and ``move``; refusals (exit 4) are expected.
It prints one JSON document: every command with its exit code and stderr.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from typer.testing import CliRunner

from taskcli.cli import app


def main() -> None:
    url, seed, operations, tasks = sys.argv[1], *map(int, sys.argv[2:5])
    rng = random.Random(seed)
    runner = CliRunner()
    ids = list(range(1, tasks + 1))
    outcomes: list[dict[str, object]] = []
    for number in range(operations):
        target = str(rng.choice(ids))
        choice = rng.random()
        if choice < 0.25:
            args = ["done", target, *(["-r"] if rng.random() < 0.5 else [])]
        elif choice < 0.5:
            args = ["add", "-q", "--parent", target, f"s{seed}-{number}"]
        elif choice < 0.75:
            args = ["undone", target]
        else:
            args = ["move", str(rng.choice(ids)), "--parent", target]
        result = runner.invoke(app, args, env={"TASKCLI_DATABASE_URL": url})
        outcomes.append({"args": args, "exit": result.exit_code, "stderr": result.stderr})
        if args[0] == "add" and result.exit_code == 0:
            ids.append(int(result.stdout))
    print(json.dumps(outcomes))


if __name__ == "__main__":
    main()
