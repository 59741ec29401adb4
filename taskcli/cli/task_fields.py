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


def new_task(
    title: list[str],
    *,
    parent: int | None,
    priority: str | None,
    due: str | None,
    tags: list[str] | None,
    note: str | None,
) -> NewTask:
    """``add``'s fields checked; the title ``-`` (titles from stdin) stays as it is."""
    return NewTask(
        title="-" if title == ["-"] else validate_title(" ".join(title)),
        note=validate_note(note) if note is not None else None,
        priority=Priority.parse(priority) if priority is not None else Priority.NONE,
        due=parse_date(due) if due is not None else None,
        tags=frozenset(validate_tag(name) for name in tags or ()),
        parent_id=validate_task_id(parent) if parent is not None else None,
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
    wait: str | None = None,
    scheduled: str | None = None,
) -> TaskPatch:
    """``edit``'s fields checked; a usage error when none is given."""
    add_tags, remove_tags = _tag_changes(tags or [])
    patch = TaskPatch(
        title=validate_title(title) if title is not None else UNSET,
        note=validate_note(note) if note is not None else UNSET,
        priority=Priority.parse(priority) if priority is not None else UNSET,
        due=_new_date(due),
        add_tags=add_tags,
        remove_tags=remove_tags,
        wait=_new_date(wait),
        scheduled=_new_date(scheduled),
    )
    if patch.is_empty():
        raise UsageError(
            "nothing to change: give --title, --priority, --due, --wait, --scheduled, "
            "--tag or --note"
        )
    return patch


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
