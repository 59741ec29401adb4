"""One writer of the concurrency storm: a real process running the real CLI.

Usage: python storm.py URL WORKER SEED OPERATIONS

Each worker changes only its own tasks (so every command must succeed) and
keeps a model of what the database must hold for them afterwards. It prints
one JSON document: every exit code and stderr it saw, and the model.
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
    url, worker, seed, operations = (
        sys.argv[1],
        int(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
    )
    rng = random.Random(seed)
    runner = CliRunner()
    env = {"TASKCLI_DATABASE_URL": url}
    model: dict[int, dict[str, object]] = {}
    outcomes: list[dict[str, object]] = []

    def cli(*args: str) -> str:
        result = runner.invoke(app, list(args), env=env)
        outcomes.append({"args": list(args), "exit": result.exit_code, "stderr": result.stderr})
        return result.stdout

    def subtree(root: int) -> set[int]:
        found = {root}
        changed = True
        while changed:
            changed = False
            for task_id, task in model.items():
                if task["parent_id"] in found and task_id not in found:
                    found.add(task_id)
                    changed = True
        return found

    def reopen_lineage(task_id: int | None) -> None:
        """Pending work under a done task reopens it and its done ancestors (the tree invariant)."""
        while task_id is not None:
            model[task_id]["status"] = "pending"
            task_id = model[task_id]["parent_id"]  # type: ignore[assignment]

    def add(parent: int | None) -> None:
        title = f"w{worker}-{len(outcomes)}"
        args = ["add", title, "-q"] + (["--parent", str(parent)] if parent else [])
        output = cli(*args)
        if outcomes[-1]["exit"] == 0:
            model[int(output)] = {"title": title, "status": "pending", "parent_id": parent}
            reopen_lineage(parent)

    for _ in range(operations):
        mine = sorted(model)
        choice = rng.random() if mine else 0.0
        if choice < 0.35:
            add(None if not mine or rng.random() < 0.4 else rng.choice(mine))
        elif choice < 0.5:
            target = rng.choice(mine)
            title = f"w{worker}-edited-{len(outcomes)}"
            cli("edit", str(target), "--title", title)
            model[target]["title"] = title
        elif choice < 0.65:
            target = rng.choice(mine)
            cli("done", str(target), "-r")
            for task_id in subtree(target):
                model[task_id]["status"] = "done"
        elif choice < 0.85:
            target = rng.choice(mine)
            candidates = [t for t in mine if t not in subtree(target)]
            if candidates and rng.random() < 0.7:
                parent = rng.choice(candidates)
                cli("move", str(target), "--parent", str(parent))
                model[target]["parent_id"] = parent
                if model[target]["status"] == "pending":
                    reopen_lineage(parent)
            else:
                cli("move", str(target), "--root")
                model[target]["parent_id"] = None
        else:
            target = rng.choice(mine)
            cli("rm", str(target), "-r", "-y")
            for task_id in subtree(target):
                del model[task_id]
    print(json.dumps({"outcomes": outcomes, "model": {str(k): v for k, v in model.items()}}))


if __name__ == "__main__":
    main()
