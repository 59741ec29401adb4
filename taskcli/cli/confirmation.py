"""Asking before a change: when filters alone select many tasks, and before every ``rm``
on a terminal (unless ``--yes``).

The ids agreed to travel with the selection (``Selection.confirmed``): if the
filters select others by the time the change runs, nothing is changed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import typer

from taskcli.cli._boundary import print_message
from taskcli.cli._runtime import run
from taskcli.domain import TaskView

if TYPE_CHECKING:
    from taskcli.services.targets import Selection

# A filter that selects more tasks than this asks first on a terminal (unless --yes).
CONFIRM_ABOVE = 3
NOTHING_SELECTED = "No tasks match the filters; nothing was changed."


def confirmed(ctx: typer.Context, chosen: Selection, *, yes: bool) -> Selection | None:
    """The selection to change, once agreed to; ``None``: the answer was no.

    Only a filter alone that selects more than ``CONFIRM_ABOVE`` tasks asks.
    """
    if chosen.task_filter is None or chosen.ids or yes or not sys.stdin.isatty():
        return chosen
    from taskcli.services.targets import selected_ids

    ids = run(ctx, selected_ids, write=False, selection=chosen, for_change=False)
    if len(ids) <= CONFIRM_ABOVE:
        return chosen
    if not typer.confirm(f"Change {len(ids)} tasks?", default=False, err=True):
        print_message("Nothing was changed.")
        return None
    return replace(chosen, confirmed=frozenset(ids))


def confirmed_removal(
    ctx: typer.Context, chosen: Selection, *, recursive: bool, yes: bool
) -> tuple[Selection, bool] | None:
    """``rm`` on a terminal shows what it would delete and asks; ``None``: nothing to do.

    With it, whether to keep the series of a recurring task going (asked on a
    terminal only; otherwise no: ``--keep-series`` says yes).
    """
    if yes or not sys.stdin.isatty():
        return chosen, False
    from taskcli.services.removal import plan_selected_removal

    ids, plan = run(ctx, plan_selected_removal, write=False, selection=chosen, recursive=recursive)
    if not ids:
        print_message(NOTHING_SELECTED)
        return None
    question = _removal_question(
        plan.tasks, plan.descendants, filtered=chosen.task_filter is not None
    )
    if not typer.confirm(question, default=False, err=True):
        print_message("Nothing was deleted.")
        return None
    return replace(chosen, confirmed=frozenset(ids)), _keep_series(plan.tasks)


def _keep_series(tasks: tuple[TaskView, ...]) -> bool:
    """Asked when a pending recurring task is deleted: end its series, or go on to the next?"""
    from taskcli.domain import Status
    from taskcli.textsafe import terminal_safe

    recurring = [view for view in tasks if view.recur and view.status is Status.PENDING]
    if not recurring:
        return False
    names = ", ".join(f"{view.id} ({terminal_safe(view.title)})" for view in recurring)
    question = f"Task {names} recurs: end the series too? (no: make the next instance)"
    return not typer.confirm(question, default=True, err=True)


def report_nothing_selected(chosen: Selection, changed: Sequence[TaskView]) -> None:
    """A filter that matched nothing is an empty result (exit 0), said on stderr."""
    if chosen.task_filter is not None and not changed:
        print_message(NOTHING_SELECTED)


def _removal_question(tasks: tuple[TaskView, ...], descendants: int, *, filtered: bool) -> str:
    """Names the tasks, or counts them when a filter selected many."""
    from taskcli.textsafe import terminal_safe

    if filtered and len(tasks) > CONFIRM_ABOVE:
        subtasks = f" and {descendants} subtask{'s' if descendants != 1 else ''}"
        return f"Delete {len(tasks)} tasks{subtasks if descendants else ''}?"
    names = ", ".join(f"{view.id} ({terminal_safe(view.title)})" for view in tasks)
    extra = f" and {descendants} subtask{'s' if descendants != 1 else ''}" if descendants else ""
    return f"Delete task {names}{extra}?"
