"""The task fields ``add`` and ``edit`` take: their options, and their values checked
into a ``NewTask`` or a ``TaskPatch`` before the command touches the database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

import typer

from taskcli.cli.completion import complete_any_task_id
from taskcli.dates import parse_date
from taskcli.domain import (
    UNSET,
    NewTask,
    Priority,
    Recurrence,
    TaskPatch,
    Unset,
    validate_note,
    validate_tag,
    validate_task_id,
    validate_title,
)
from taskcli.errors import UsageError

Title = Annotated[
    list[str],
    typer.Argument(
        metavar="TITLE...",
        help="The title; several words are joined by spaces ('-' reads one title per line "
        "from stdin; '--' ends the options).",
        show_default=False,
    ),
]
Parent = Annotated[
    int | None,
    typer.Option(
        "--parent",
        "-p",
        metavar="ID",
        help="Make it a subtask of ID.",
        show_default=False,
        autocompletion=complete_any_task_id,
    ),
]
Tags = Annotated[
    list[str] | None,
    typer.Option("--tag", "-t", metavar="TAG", help="A tag (repeatable).", show_default=False),
]
Note = Annotated[
    str | None, typer.Option("--note", "-n", metavar="TEXT", help="A note.", show_default=False)
]
BlockedBy = Annotated[
    list[int] | None,
    typer.Option(
        "--blocked-by",
        metavar="ID",
        help="Blocked by task ID until it is done (repeatable).",
        show_default=False,
        autocompletion=complete_any_task_id,
    ),
]
Unblock = Annotated[
    list[int] | None,
    typer.Option(
        "--unblock",
        metavar="ID",
        help="No longer blocked by task ID (repeatable).",
        show_default=False,
        autocompletion=complete_any_task_id,
    ),
]
NewTitle = Annotated[
    str | None, typer.Option("--title", metavar="TITLE", help="New title.", show_default=False)
]
NewDue = Annotated[
    str | None,
    typer.Option(
        "--due",
        "-d",
        metavar="DATE",
        help="New due date, or 'none' to clear it.",
        show_default=False,
    ),
]
Wait = Annotated[
    str | None,
    typer.Option(
        "--wait",
        metavar="DATE",
        help="Hide it from list and tree until DATE (as --due reads dates).",
        show_default=False,
    ),
]
Scheduled = Annotated[
    str | None,
    typer.Option(
        "--scheduled",
        metavar="DATE",
        help="The earliest date to start it (as --due reads dates).",
        show_default=False,
    ),
]
NewWait = Annotated[
    str | None,
    typer.Option(
        "--wait",
        metavar="DATE",
        help="New wait date (hidden until then), or 'none' to clear it.",
        show_default=False,
    ),
]
NewScheduled = Annotated[
    str | None,
    typer.Option(
        "--scheduled",
        metavar="DATE",
        help="New scheduled date (the earliest start), or 'none' to clear it.",
        show_default=False,
    ),
]
TagChanges = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        "-t",
        metavar="+TAG|-TAG",
        help="Add (+a or a) or remove (-b) a tag; repeatable.",
        show_default=False,
    ),
]
NewNote = Annotated[
    str | None,
    typer.Option(
        "--note", "-n", metavar="TEXT", help="New note ('' clears it).", show_default=False
    ),
]

RecurRule = Annotated[
    str | None,
    typer.Option(
        "--recur",
        metavar="RULE",
        help="Repeat: daily, weekly, monthly, yearly, weekdays, 'every N days|weeks|months|years'"
        " ('none' stops it). From the due date unless --recur-after.",
        show_default=False,
    ),
]
RecurAfter = Annotated[
    bool,
    typer.Option(
        "--recur-after",
        help="Count the next due from completion (org-mode's .+), not from the due date.",
    ),
]
Until = Annotated[
    str | None,
    typer.Option(
        "--until",
        metavar="DATE",
        help="No recurring instance after DATE ('none' on edit: no end).",
        show_default=False,
    ),
]


def recurrence(rule: str | None, *, after: bool, until: str | None) -> Recurrence | Unset | None:
    """``--recur``/``--recur-after``/``--until`` checked: UNSET when no --recur is given."""
    from taskcli.recurrence import FROM_COMPLETION, FROM_DUE, parse_rule

    if rule is None:
        if after:
            raise UsageError("--recur-after needs --recur RULE")
        return UNSET
    parsed = parse_rule(rule)
    if parsed is None:
        if after or until is not None:
            raise UsageError("--recur none takes no --recur-after or --until")
        return None
    end = _new_date(until)
    start = FROM_COMPLETION if after else FROM_DUE
    return Recurrence(parsed.text(), start, None if isinstance(end, Unset) else end)


def new_task(
    title: list[str],
    *,
    parent: int | None,
    priority: str | None,
    due: str | None,
    tags: list[str] | None,
    note: str | None,
    blocked_by: list[int] | None = None,
    recur: Recurrence | Unset | None = None,
) -> NewTask:
    """``add``'s fields checked; the title ``-`` (titles from stdin) stays as it is."""
    return NewTask(
        recur=None if isinstance(recur, Unset) else recur,
        title="-" if title == ["-"] else validate_title(" ".join(title)),
        note=validate_note(note) if note is not None else None,
        priority=Priority.parse(priority) if priority is not None else Priority.NONE,
        due=parse_date(due) if due is not None else None,
        tags=frozenset(validate_tag(name) for name in tags or ()),
        parent_id=validate_task_id(parent) if parent is not None else None,
        blocked_by=_ids(blocked_by),
    )


def with_dates(new: NewTask, *, wait: str | None, scheduled: str | None) -> NewTask:
    """``add --wait``/``--scheduled`` read as ``--due`` is (a bad date: exit 2)."""
    return replace(
        new,
        wait=parse_date(wait) if wait is not None else None,
        scheduled=parse_date(scheduled) if scheduled is not None else None,
    )


def task_patch(
    *,
    title: str | None,
    priority: str | None,
    due: str | None,
    tags: list[str] | None,
    note: str | None,
    blocked_by: list[int] | None = None,
    unblock: list[int] | None = None,
    recur: Recurrence | Unset | None = UNSET,
    until: str | None = None,
    wait: str | None = None,
    scheduled: str | None = None,
) -> TaskPatch:
    """``edit``'s fields checked; a usage error when none is given."""
    add_tags, remove_tags = _tag_changes(tags or [])
    patch = TaskPatch(
        recur=recur,
        until=_new_date(until) if isinstance(recur, Unset) else UNSET,
        title=validate_title(title) if title is not None else UNSET,
        note=validate_note(note) if note is not None else UNSET,
        priority=Priority.parse(priority) if priority is not None else UNSET,
        due=_new_date(due),
        add_tags=add_tags,
        remove_tags=remove_tags,
        add_blockers=_ids(blocked_by),
        remove_blockers=_ids(unblock),
        wait=_new_date(wait),
        scheduled=_new_date(scheduled),
    )
    if patch.is_empty():
        raise UsageError(
            "nothing to change: give --title, --priority, --due, --wait, --scheduled, --tag, "
            "--note, --blocked-by, --unblock, --recur or --until"
        )
    if both := patch.add_blockers & patch.remove_blockers:
        raise UsageError(f"task {min(both)} given to both --blocked-by and --unblock")
    return patch


def _ids(given: list[int] | None) -> frozenset[int]:
    return frozenset(validate_task_id(task_id) for task_id in given or ())


def _new_date(text: str | None) -> datetime | Unset | None:
    """An edited date: not given (left alone), ``none`` (cleared) or a date."""
    if text is None:
        return UNSET
    return None if text.strip().lower() == "none" else parse_date(text)


def _tag_changes(changes: list[str]) -> tuple[frozenset[str], frozenset[str]]:
    add: set[str] = set()
    remove: set[str] = set()
    for change in changes:
        if change.startswith("-"):
            remove.add(validate_tag(change[1:]))
        else:
            add.add(validate_tag(change.removeprefix("+")))
    return frozenset(add), frozenset(remove)
