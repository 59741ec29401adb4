"""``taskcli start``, ``taskcli stop`` and ``taskcli report time``: time spent on tasks."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from taskcli.cli._boundary import guarded, print_message
from taskcli.cli._runtime import run
from taskcli.cli.formats import formatter
from taskcli.cli.options import TaskIds, TextFormat, TextFormatOption
from taskcli.cli.selection import select_ids

# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)


class ReportKind(StrEnum):
    TIME = "time"


class ReportBy(StrEnum):
    TAG = "tag"
    ROOT = "root"


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"


@app.command("start")
@guarded
def start_command(
    ctx: typer.Context, task_ids: TaskIds, format: TextFormatOption = TextFormat.TEXT
) -> None:
    """Start working on tasks: time runs until stop (or done); one command, one undo.

    A task already started is said on stderr and left running; a done task is refused (exit 4).
    """
    from taskcli.services.timing import start_tasks

    result = run(ctx, start_tasks, write=True, ids=select_ids(task_ids))
    _report("Started", result, format=format, already="already started")


@app.command("stop")
@guarded
def stop_command(
    ctx: typer.Context, task_ids: TaskIds, format: TextFormatOption = TextFormat.TEXT
) -> None:
    """Stop working on tasks: their running time is added to their total.

    A task not started is said on stderr and left as it is.
    """
    from taskcli.services.timing import stop_tasks

    result = run(ctx, stop_tasks, write=True, ids=select_ids(task_ids))
    _report("Stopped", result, format=format, already="not started")


@app.command("report")
@guarded
def report_command(
    ctx: typer.Context,
    kind: Annotated[
        ReportKind, typer.Argument(help="What to report: time (time spent).", show_default=False)
    ],
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="DATE", help="Count only time after DATE.", show_default=False
        ),
    ] = None,
    by: Annotated[
        ReportBy, typer.Option("--by", case_sensitive=False, help="tag or root (task).")
    ] = ReportBy.TAG,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
    ] = ReportFormat.TEXT,
) -> None:
    """Report time spent (report time): seconds per tag or per root task, most first.

    A task counts under each of its tags; running tasks count up to now.
    """
    from taskcli.dates import parse_date
    from taskcli.services.timing import time_report

    start = parse_date(since) if since is not None else None
    found = run(ctx, time_report, write=False, since=start, by=by.value)
    formatter(format).time_report(found, by=by.value)


def _report(verb: str, result: object, *, format: TextFormat, already: str) -> None:
    """As ``done``: text lists the tasks changed; JSON the named ones; the rest on stderr."""
    from taskcli.services.status import StatusChange

    assert isinstance(result, StatusChange)
    formatter(format).changes(verb, result.views if format is TextFormat.JSON else result.changed())
    for task_id in sorted(result.unchanged):
        print_message(f"Task {task_id} is {already}.")
