"""The task filters of ``list``, declared once for every command that selects with them.

``list`` spells them ``--tag``, ``--status`` ...; ``edit``, ``done`` and ``rm``
spell the same filters ``--where-tag``, ``--where-status`` ..., because there
``--tag``, ``--priority`` and ``--parent`` already mean "change this".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from taskcli.cli.completion import complete_any_task_id, complete_task_id
from taskcli.dates import parse_date
from taskcli.domain import (
    Priority,
    StatusFilter,
    TaskFilter,
    parse_tag_filter,
    validate_search,
    validate_tag,
    validate_task_id,
)
from taskcli.errors import UsageError

WHERE = "--where-"


def _status(*names: str) -> Any:
    return typer.Option(*names, case_sensitive=False, help="pending, done or all.")


def _tag(*names: str) -> Any:
    return typer.Option(
        *names,
        metavar="[+|-]TAG",
        help="With TAG (or +TAG); -TAG: without it. Repeatable: all of them.",
        show_default=False,
    )


def _any_tag(*names: str) -> Any:
    return typer.Option(
        *names,
        metavar="TAG",
        help="With at least one of these tags (repeatable).",
        show_default=False,
    )


def _priority(*names: str) -> Any:
    return typer.Option(
        *names,
        metavar="PRIORITY",
        help="At least this priority (H/high, M/med/medium, L/low, N/none, any case).",
        show_default=False,
    )


def _due_before(*names: str) -> Any:
    return typer.Option(*names, metavar="DATE", help="Due on or before DATE.", show_default=False)


def _overdue(*names: str) -> Any:
    return typer.Option(*names, help="Pending and past due.")


def _search(*names: str) -> Any:
    return typer.Option(
        *names, metavar="TEXT", help="In title or note, any case.", show_default=False
    )


def _parent(*names: str) -> Any:
    return typer.Option(
        *names,
        metavar="ID",
        help="Direct subtasks of ID.",
        show_default=False,
        autocompletion=complete_any_task_id,
    )


def _under(*names: str) -> Any:
    return typer.Option(
        *names,
        metavar="ID",
        help="Every task below ID (its whole subtree).",
        show_default=False,
    )


# ``list``'s spelling.
StatusOption = Annotated[StatusFilter, _status("--status", "-s")]
TagFilter = Annotated[list[str] | None, _tag("--tag", "-t")]
AnyTag = Annotated[list[str] | None, _any_tag("--any-tag")]
MinPriority = Annotated[str | None, _priority("--priority", "-P")]
DueBefore = Annotated[str | None, _due_before("--due-before")]
Overdue = Annotated[bool, _overdue("--overdue")]
Search = Annotated[str | None, _search("--search")]
ParentFilter = Annotated[int | None, _parent("--parent", "-p")]
UnderFilter = Annotated[int | None, _under("--under")]

# The spelling of the commands that change what they select.
WhereStatus = Annotated[StatusFilter | None, _status(WHERE + "status")]
WhereTag = Annotated[list[str] | None, _tag(WHERE + "tag")]
WhereAnyTag = Annotated[list[str] | None, _any_tag(WHERE + "any-tag")]
WherePriority = Annotated[str | None, _priority(WHERE + "priority")]
WhereDueBefore = Annotated[str | None, _due_before(WHERE + "due-before")]
WhereOverdue = Annotated[bool, _overdue(WHERE + "overdue")]
WhereSearch = Annotated[str | None, _search(WHERE + "search")]
WhereParent = Annotated[int | None, _parent(WHERE + "parent")]
WhereUnder = Annotated[int | None, _under(WHERE + "under")]


def task_filter(
    *,
    status: StatusFilter,
    tag: Sequence[str] | None,
    any_tag: Sequence[str] | None,
    priority: str | None,
    due_before: str | None,
    overdue: bool,
    search: str | None,
    parent: int | None,
    under: int | None,
) -> TaskFilter:
    """The filter options as typed, checked: a bad value is a usage error (exit 2)."""
    required, excluded = parse_tag_filter(tag or ())
    return TaskFilter(
        status=status,
        tags=required,
        without_tags=excluded,
        any_tags=tuple(dict.fromkeys(validate_tag(name) for name in any_tag or ())),
        min_priority=Priority.parse(priority) if priority is not None else None,
        due_before=parse_date(due_before) if due_before is not None else None,
        overdue=overdue,
        search=validate_search(search) if search else None,
        parent_id=validate_task_id(parent) if parent is not None else None,
        under_id=validate_task_id(under) if under is not None else None,
    )


def where_filter(
    *,
    status: StatusFilter | None = None,
    tag: Sequence[str] | None,
    any_tag: Sequence[str] | None,
    priority: str | None,
    due_before: str | None,
    overdue: bool,
    search: str | None,
    parent: int | None,
    under: int | None,
) -> TaskFilter | None:
    """The ``--where-*`` options as a filter, or ``None`` when none was given.

    Like ``list``, a filter selects pending tasks unless ``--where-status`` says otherwise.
    """
    if search is not None and not search.strip():
        raise UsageError("--where-search needs text: an empty search would match every task")
    given = (tag, any_tag, priority, due_before, search, parent, under, status)
    if not overdue and all(value is None or value == [] for value in given):
        return None
    return task_filter(
        status=status if status is not None else StatusFilter.PENDING,
        tag=tag,
        any_tag=any_tag,
        priority=priority,
        due_before=due_before,
        overdue=overdue,
        search=search,
        parent=parent,
        under=under,
    )


# Optional ids: with a ``--where-*`` filter, no ids means every task that matches.
SomeTaskIds = Annotated[
    list[str] | None,
    typer.Argument(
        help="Task ids, ranges (3-7) or - to read ids from stdin; "
        "with --where-* filters, only those that match (no ids: every match).",
        show_default=False,
        metavar="ID...",
        autocompletion=complete_task_id,
    ),
]
Yes = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask before changing what filters select.")
]
