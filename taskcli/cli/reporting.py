"""What the writing commands say once they have run: the tasks changed, deleted or
reopened, and those a command left as they were."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from taskcli.cli._boundary import print_message
from taskcli.cli._output import write
from taskcli.cli.formats import formatter
from taskcli.cli.options import TextFormat
from taskcli.domain import Removal, TaskView

if TYPE_CHECKING:
    from taskcli.services.status import StatusChange


def report_status_change(
    verb: str, result: StatusChange, *, format: TextFormat, already: str
) -> None:
    """Text lists the tasks changed (as ``log`` counts them); JSON the named ones too.

    A named task that was already done (or pending) is said on stderr: stdout
    never claims a change the journal did not record.
    """
    if format is TextFormat.JSON:
        formatter(format).changes(verb, result.views)
    else:
        formatter(format).changes(verb, result.changed())
        if result.spawned:
            formatter(format).changes("Next", result.spawned)
    for task_id in sorted(result.unchanged):
        print_message(f"Task {task_id} was already {already}.")


def report_removal(removal: Removal) -> None:
    """A line per task deleted, then how many subtasks went with them."""
    from taskcli.layout import change_line

    lines = [change_line("Deleted", view) for view in removal.tasks]
    if removal.descendants:
        count = removal.descendants
        lines.append(f"... and {count} subtask{'s' if count != 1 else ''}")
    lines += [change_line("Next", view) for view in removal.spawned]
    write("".join(f"{line}\n" for line in lines))


def report_reopened(views: Sequence[TaskView]) -> None:
    """Done ancestors a command reopened (a done task never holds pending work): a message."""
    from taskcli.layout import change_line

    for view in views:
        print_message(change_line("Reopened", view))
