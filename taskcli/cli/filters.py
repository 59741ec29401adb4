"""The task filters of ``list``, declared once for every command that selects with them.

``list`` spells them ``--tag``, ``--status`` ...; ``edit``, ``done`` and ``rm``
spell the same filters ``--where-tag``, ``--where-status`` ..., because there
``--tag``, ``--priority`` and ``--parent`` already mean "change this".

A command takes them as one ``FilterOptions`` parameter that ``filter_options``
declares: a new filter is a field there, a row in ``FILTERS`` and its check in
``FilterOptions.task_filter``, for every command that selects.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Annotated, Any, TypeVar

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

R = TypeVar("R")
WHERE = "--where-"


@dataclass(frozen=True)
class FilterOptions:
    """The filter options as typed, one field each; ``None`` (``False``): not given."""

    status: StatusFilter | None = None
    tag: Sequence[str] | None = None
    any_tag: Sequence[str] | None = None
    priority: str | None = None
    due_before: str | None = None
    overdue: bool = False
    search: str | None = None
    parent: int | None = None
    under: int | None = None
    active: bool = False
    blocked: bool = False
    unblocked: bool = False

    def task_filter(self) -> TaskFilter:
        """Checked: a bad value is a usage error (exit 2). No status: pending tasks, as ``list``."""
        required, excluded = parse_tag_filter(self.tag or ())
        return TaskFilter(
            status=self.status if self.status is not None else StatusFilter.PENDING,
            tags=required,
            without_tags=excluded,
            any_tags=tuple(dict.fromkeys(validate_tag(name) for name in self.any_tag or ())),
            min_priority=Priority.parse(self.priority) if self.priority is not None else None,
            due_before=parse_date(self.due_before) if self.due_before is not None else None,
            overdue=self.overdue,
            search=validate_search(self.search) if self.search else None,
            parent_id=validate_task_id(self.parent) if self.parent is not None else None,
            under_id=validate_task_id(self.under) if self.under is not None else None,
            active=self.active,
            blocked=_blocked(self.blocked, self.unblocked),
        )

    def where_filter(self) -> TaskFilter | None:
        """The ``--where-*`` options as a filter, or ``None`` when none was given."""
        if self.search is not None and not self.search.strip():
            raise UsageError("--where-search needs text: an empty search would match every task")
        given = [getattr(self, field.name) for field in fields(self)]
        if all(value is None or value is False or value == [] for value in given):
            return None
        return self.task_filter()


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


def _active(*names: str) -> Any:
    return typer.Option(*names, help="Started and not stopped (taskcli start).")


def _blocked_option(*names: str) -> Any:
    return typer.Option(*names, help="Waiting for a pending blocker (--blocked-by).")


def _unblocked_option(*names: str) -> Any:
    return typer.Option(*names, help="No pending blocker.")


def _blocked(blocked: bool, unblocked: bool) -> bool | None:
    if blocked and unblocked:
        raise UsageError("give at most one of --blocked and --unblocked")
    return True if blocked else False if unblocked else None


@dataclass(frozen=True)
class Filter:
    """One filter option as ``list`` declares it: names, option, type, default.

    The ``--where-*`` spelling is its first name after ``--where-``, with no default.
    """

    names: tuple[str, ...]
    option: Callable[..., Any]
    type: Any
    default: Any = None

    def parameter(self, name: str, *, where: bool) -> inspect.Parameter:
        """The command parameter Typer reads for it."""
        names, type_, default = self.names, self.type, self.default
        if where:
            names = (WHERE + names[0].removeprefix("--"),)
            if default not in (None, False):
                type_, default = type_ | None, None
        # A type built at run time, for Typer to read: no static type to check.
        annotation = Annotated[type_, self.option(*names)]  # type: ignore[valid-type]
        return inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
        )


# ``FilterOptions`` field -> its option; ``--help`` lists them in the fields' order.
FILTERS: dict[str, Filter] = {
    "status": Filter(("--status", "-s"), _status, StatusFilter, StatusFilter.PENDING),
    "tag": Filter(("--tag", "-t"), _tag, list[str] | None),
    "any_tag": Filter(("--any-tag",), _any_tag, list[str] | None),
    "priority": Filter(("--priority", "-P"), _priority, str | None),
    "due_before": Filter(("--due-before",), _due_before, str | None),
    "overdue": Filter(("--overdue",), _overdue, bool, False),
    "search": Filter(("--search",), _search, str | None),
    "parent": Filter(("--parent", "-p"), _parent, int | None),
    "under": Filter(("--under",), _under, int | None),
    "active": Filter(("--active",), _active, bool, False),
    "blocked": Filter(("--blocked",), _blocked_option, bool, False),
    "unblocked": Filter(("--unblocked",), _unblocked_option, bool, False),
}


def filter_options(
    *, where: bool = False, status: bool = True
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Declare the filters as options of a command in place of its ``filters: FilterOptions``.

    Typer reads options only from a function's parameters and has no option
    groups, so the signature it reads gets one parameter per filter (in
    ``list``'s spelling, or ``--where-*`` with ``where``; ``status=False``
    leaves ``--where-status`` out) and the command gets them back as one
    ``FilterOptions``.
    """
    prefix = "where_" if where else ""
    names = [field.name for field in fields(FilterOptions) if status or field.name != "status"]
    chosen = {prefix + name: name for name in names}  # each field needs its row in FILTERS

    def declare(command: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(command)
        def gathered(*args: Any, **kwargs: Any) -> R:
            typed = {field: kwargs.pop(name) for name, field in chosen.items() if name in kwargs}
            return command(*args, filters=FilterOptions(**typed), **kwargs)

        signature = inspect.signature(command, eval_str=True)
        parameters: list[inspect.Parameter] = []
        for parameter in signature.parameters.values():
            if parameter.name != "filters":
                parameters.append(parameter)
                continue
            parameters += [
                FILTERS[field].parameter(name, where=where) for name, field in chosen.items()
            ]
        gathered.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        gathered.__annotations__ = {p.name: p.annotation for p in parameters}
        return gathered

    return declare


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
