"""A reader looping through a write storm until a stop file appears.

Usage: python reader.py URL STOP_FILE

Prints one JSON document: how many reads ran and every failure seen.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from typer.testing import CliRunner

from taskcli.cli import app


def main() -> None:
    url, stop = sys.argv[1], Path(sys.argv[2])
    runner = CliRunner()
    reads = 0
    failures: list[str] = []
    commands = (["list", "--status", "all", "-f", "json"], ["tree", "--all", "-f", "json"])
    while not stop.exists() or reads < 2:
        args = commands[reads % 2]
        result = runner.invoke(app, args, env={"TASKCLI_DATABASE_URL": url})
        reads += 1
        if result.exit_code != 0:
            failures.append(f"{args}: exit {result.exit_code}: {result.stderr}")
            continue
        try:
            json.loads(result.stdout)
        except ValueError as error:
            failures.append(f"{args}: bad JSON: {error}")
    print(json.dumps({"reads": reads, "failures": failures}))


if __name__ == "__main__":
    main()
