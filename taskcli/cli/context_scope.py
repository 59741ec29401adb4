"""Applying the context in force to a command: its filter, its tags, its header line.

Any command that shows a selection of tasks (``list``, ``tree``, a future
``next``) calls ``scoped_filters``; a command that creates tasks calls
``context_tags``. ``--no-context`` (``NoContext``) sets the context aside
for one command.
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from taskcli.cli.filters import FilterOptions
from taskcli.contexts import FIELDS, Context, ContextStore
from taskcli.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from taskcli.domain import TreeNode, WaitFilter

NoContext = Annotated[
    bool,
    typer.Option("--no-context", help="Ignore the context in force (TASKCLI_CONTEXT or chosen)."),
]
# Filters that hold one value: a context and the command line must agree on it.
_SINGLE = ("any_tag", "search", "parent", "under")


def context_in_force(no_context: bool = False) -> Context | None:
    """``TASKCLI_CONTEXT``, else the chosen context, else none (none with ``--no-context``)."""
    if no_context:
        return None
    context, _source = ContextStore.load().applied()
    return context


def checked_filters(filters: FilterOptions, plus_tags: Sequence[str] = ()) -> dict[str, Any]:
    """A context's filter as stored: checked by ``list``'s rules, in one spelling.

    ``+TAG`` and ``-TAG`` words join ``--tag``; a bad value is exit 2 before anything is written.
    """
    from taskcli.dates import parse_date
    from taskcli.domain import Priority, parse_tag_filter

    tags = [*(filters.tag or ()), *plus_tags]
    combined = replace(filters, tag=tags or None)
    task_filter = combined.task_filter()  # every rule of ``list``: exit 2 on a bad value
    stored: dict[str, Any] = {}
    required, excluded = parse_tag_filter(tags)
    if required or excluded:
        stored["tag"] = [*required, *(f"-{tag}" for tag in excluded)]
    if task_filter.any_tags:
        stored["any_tag"] = list(task_filter.any_tags)
    if filters.priority is not None:
        stored["priority"] = Priority.parse(filters.priority).label
    if filters.due_before is not None:
        parse_date(filters.due_before)
        stored["due_before"] = filters.due_before.strip()
    if filters.overdue:
        stored["overdue"] = True
    for key in ("search", "parent", "under"):
        if (value := getattr(task_filter, key if key == "search" else f"{key}_id")) is not None:
            stored[key] = value
    return stored


def scoped_filters(filters: FilterOptions, context: Context | None) -> FilterOptions:
    """The command line's filters AND the context's; announced on a terminal.

    Tags add up, the higher priority and the earlier due date win, and a
    one-value filter set on both sides must agree (else exit 2: ``--no-context``
    replaces the context's).
    """
    if context is None:
        return filters
    given = asdict(filters)
    for key in FIELDS:
        value = context.filters.get(key)
        if value is None:
            continue
        given[key] = _both(context, key, value, given[key])
    announce(context)
    return FilterOptions(**given)


def _both(context: Context, key: str, ours: Any, theirs: Any) -> Any:
    from taskcli.dates import parse_date
    from taskcli.domain import Priority

    if theirs is None or theirs is False or theirs == []:
        return ours
    if key == "tag":
        return [*ours, *theirs]
    if key == "priority":
        return max(Priority.parse(ours), Priority.parse(theirs)).label
    if key == "due_before":
        return min(ours, theirs, key=parse_date)
    if key == "overdue":
        return True
    if key in _SINGLE and _same(ours, theirs):
        return theirs
    option = "--" + key.replace("_", "-")
    raise UsageError(
        f"{option} is set by context {context.name!r} too: "
        "add --no-context to use only the command line's"
    )


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, list):
        return set(ours) == set(theirs)
    return bool(ours == theirs)


def context_tags(tags: list[str] | None, context: Context | None) -> list[str] | None:
    """``add``'s tags with the context's required ones after them."""
    if context is None or not context.required_tags():
        return tags
    return list(dict.fromkeys([*(tags or []), *context.required_tags()]))


def announce(context: Context) -> None:
    """``Context: work (tag work)`` on stderr, dim, only when stdout is a terminal.

    Piped and JSON output never carry it: stdout gets nothing, and a pipe
    or a script's stderr is not cluttered either.
    """
    from taskcli.cli._output import _maybe_terminal
    from taskcli.textsafe import terminal_safe

    if not _maybe_terminal():
        return
    line = terminal_safe(f"Context: {context.name} ({context.describe()})")
    if not os.environ.get("NO_COLOR"):
        line = f"\x1b[2m{line}\x1b[0m"
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def scoped_tree(
    ctx: typer.Context,
    context: Context,
    *,
    root_id: int | None,
    depth: int | None,
    include_done: bool,
    waiting: WaitFilter,
    now: datetime,
) -> list[TreeNode]:
    """``tree`` under a context: the tasks that match and the ancestors leading to them."""
    from taskcli.cli._runtime import run
    from taskcli.domain import StatusFilter
    from taskcli.services.reading import get_tree, list_tasks

    status = StatusFilter.ALL if include_done else StatusFilter.PENDING
    task_filter = scoped_filters(FilterOptions(status=status), context).task_filter()
    matches = run(ctx, list_tasks, write=False, task_filter=task_filter, now=now)
    wanted = {view.id for view in matches}
    nodes = run(
        ctx,
        get_tree,
        write=False,
        root_id=root_id,
        depth=depth,
        include_done=include_done,
        waiting=waiting,
        now=now,
    )
    return _pruned(nodes, wanted)


def _pruned(nodes: list[TreeNode], wanted: set[int]) -> list[TreeNode]:
    from taskcli.domain import TreeNode

    kept = []
    for node in nodes:
        children = _pruned(node.children, wanted)
        if children or node.task.id in wanted:
            kept.append(TreeNode(task=node.task, children=children))
    return kept
