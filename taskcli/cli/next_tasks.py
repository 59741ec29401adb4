"""``taskcli next``: what to do now, the actionable tasks ranked by urgency."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from taskcli.cli._boundary import guarded
from taskcli.cli._runtime import run
from taskcli.cli.context_scope import NoContext, context_in_force, scoped_filters
from taskcli.cli.filters import FilterOptions, filter_options
from taskcli.cli.formats import formatter
from taskcli.cli.options import ListFormat
from taskcli.domain import MAX_COUNT

# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)

PIPED_COUNT = 10
# Lines a terminal keeps for the header, the context line and the next prompt.
_RESERVED_LINES = 4

Count = Annotated[
    int | None,
    typer.Option(
        "-n",
        "--count",
        min=1,
        max=MAX_COUNT,
        metavar="N",
        help="At most N tasks (default: a screenful on a terminal, else 10).",
        show_default=False,
    ),
]
Explain = Annotated[bool, typer.Option("--explain", help="Show each term of every task's urgency.")]
NextFormatOption = Annotated[
    ListFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
]


@app.command("next")
@guarded
@filter_options(status=False)
def next_command(
    ctx: typer.Context,
    *,
    filters: FilterOptions,
    count: Count = None,
    explain: Explain = False,
    format: NextFormatOption = ListFormat.TABLE,
    no_context: NoContext = False,
) -> None:
    """Show the most urgent actionable tasks: pending ones with no pending subtasks.

    Urgency adds up due date, priority (both the task's own, else inherited
    from its nearest ancestor that has one), overdue, age, started and tags;
    the config file's [urgency] table weighs them (see the README).
    """
    from taskcli.config_file import load_config
    from taskcli.services.ranking import rank_tasks
    from taskcli.urgency import coefficients_from

    weights = coefficients_from(load_config())
    task_filter = scoped_filters(filters, context_in_force(no_context)).task_filter()
    now = datetime.now().astimezone()
    chosen = formatter(format)
    found = run(
        ctx,
        rank_tasks,
        write=False,
        task_filter=task_filter,
        now=now,
        weights=weights,
        count=count if count is not None else _screenful(),
        detail=chosen.needs_views,
    )
    chosen.ranked(found, now=now, explain=explain)


def _screenful() -> int:
    """Taskwarrior's ``limit:page``: as many as fit on the terminal; 10 when piped."""
    import shutil
    import sys

    if not sys.stdout.isatty():
        return PIPED_COUNT
    lines = shutil.get_terminal_size((80, PIPED_COUNT + _RESERVED_LINES)).lines
    return max(lines - _RESERVED_LINES, PIPED_COUNT)
