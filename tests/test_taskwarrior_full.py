"""A real Taskwarrior 2.6 export (``tests/data/taskwarrior-full.json``, made with ``task``
itself) with recurring, waiting, scheduled, started, annotated and dependent tasks,
projects, a completed and a deleted task, imported without loss on both backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support import Cli

DATA = Path(__file__).parent / "data" / "taskwarrior-full.json"


def _imported(cli: Cli, tmp_path: Path) -> list[dict[str, Any]]:
    """Import the export (its wait date moved far ahead and its scheduled date into the
    past, so the test does not age) and return every task, from ``export``."""
    items = json.loads(DATA.read_text(encoding="utf-8"))
    for item in items:
        if "wait" in item:
            item["wait"] = "29990101T000000Z"
        if "scheduled" in item:
            item["scheduled"] = "20200101T000000Z"
    path = tmp_path / "taskwarrior.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    result = cli.ok("import", str(path), "--from", "taskwarrior")
    assert "skipped 1 deleted" in result.stdout
    exported: list[dict[str, Any]] = json.loads(cli.ok("export").stdout)["tasks"]
    return exported


def test_every_kind_of_task_arrives(cli: Cli, tmp_path: Path) -> None:
    imported = _imported(cli, tmp_path)
    tasks = {task["title"]: task for task in imported}
    assert len(imported) == len(tasks) == 12  # 13 in the file: one deleted, two series
    assert "Old thing" not in tasks  # deleted
    assert tasks["Mow the lawn"]["status"] == "done"
    # Projects become the tree: Home, then Garden, then its tasks.
    garden = tasks["Garden"]
    assert tasks["Home"]["id"] == garden["parent_id"]
    assert tasks["Plan the garden"]["parent_id"] == garden["id"]
    # Dependencies become blocked-by links, not note lines.
    assert tasks["Buy seeds"]["blocked_by"] == [tasks["Plan the garden"]["id"]]
    assert tasks["Dig beds"]["blocked_by"] == [tasks["Buy seeds"]["id"]]
    assert tasks["Buy seeds"]["note"] is None
    # Annotations stay annotations, in order.
    assert [a["text"] for a in tasks["Call mom"]["annotations"]] == [
        "she asked about Sunday",
        "bring the photos",
    ]
    # Waiting and scheduled dates.
    assert tasks["Renew passport"]["wait"] == "2999-01-01T00:00:00+00:00"
    assert tasks["Write report"]["scheduled"] == "2020-01-01T00:00:00+00:00"
    # Each recurring template and its instance: one series, the instance pending.
    assert tasks["Pay rent"]["status"] == "pending"
    assert tasks["Pay rent"]["recur"]["rule"] == "monthly"
    assert tasks["Pay rent"]["recur"]["until"] == "2027-06-01T00:00:00+00:00"
    assert tasks["Water plants"]["recur"]["rule"] == "weekly"


def test_started_tasks_are_running_and_next_ranks_what_is_actionable(
    cli: Cli, tmp_path: Path
) -> None:
    report = next(task for task in _imported(cli, tmp_path) if task["title"] == "Write report")
    assert [int(n) for n in cli.ok("list", "--active", "-f", "ids").stdout.split()] == [
        report["id"]
    ]
    shown = json.loads(cli.ok("show", str(report["id"]), "-f", "json").stdout)
    assert shown["active"] is True
    assert "Renew passport" not in cli.ok("list").stdout  # still waiting
    ranked = json.loads(cli.ok("next", "-f", "json", "-n", "50").stdout)
    titles = [task["title"] for task in ranked]
    # Leaves only (not Home, not Garden); not blocked (Buy seeds, Dig beds); not waiting.
    assert sorted(titles) == sorted(
        [
            "Plan the garden",
            "Call mom",
            "Write report",
            "Review pull requests",
            "Pay rent",
            "Water plants",
        ]
    )
    by_title = {task["title"]: task for task in ranked}
    assert by_title["Plan the garden"]["path"] == ["Home", "Garden"]
    explained = json.loads(cli.ok("next", "-f", "json", "-n", "50", "--explain").stdout)
    terms = {task["title"]: task["urgency_terms"] for task in explained}
    assert terms["Write report"]["active"] > 0 == terms["Call mom"]["active"]
    assert terms["Write report"]["priority"] > 0 == terms["Call mom"]["priority"]
