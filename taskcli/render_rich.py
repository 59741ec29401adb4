"""What needs Rich: the terminal's renderables and the ANSI styles they use.

``TaskTable`` (``list``), ``TaskForest`` (``tree``) and ``TextBlock`` (``log``,
``history``) are Rich renderables laid out by our own helpers in ``render``:
Rich prints them, fitted to its console, as fast as the hand-built strings
(a ``rich.table.Table`` costs 0.65-0.96 ms a row, 16-30x more at 10,000
tasks). ``show`` is a Rich grid. Kept apart from ``render`` so that piped
output and data formats never import Rich.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache

from rich.cells import cell_len
from rich.console import COLOR_SYSTEMS, Console, ConsoleOptions, Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from taskcli.domain import BlockerLink, Recurrence, Status, TaskDetail, TaskView, TreeNode
from taskcli.instants import to_local
from taskcli.layout import (
    PATH_SEPARATOR,
    Styler,
    format_due,
    local_time,
    overdue,
    plain,
    progress_text,
    tags_text,
)
from taskcli.layout_table import task_table
from taskcli.layout_tree import node_label, task_tree
from taskcli.render_time import duration
from taskcli.textsafe import terminal_safe


def ansi_styler(console: Console) -> Styler:
    """Style text the way ``console`` would: its colour system, NO_COLOR (bold stays)."""
    if console.color_system is None:
        return plain
    color_system = COLOR_SYSTEMS[console.color_system]
    no_color = console.no_color

    @lru_cache(maxsize=32)
    def codes(name: str) -> tuple[str, str]:
        style = Style.parse(name)
        if no_color:
            style = style.without_color
        rendered = style.render("\0", color_system=color_system)
        prefix, _, suffix = rendered.partition("\0")
        return prefix, suffix

    def style(text: str, name: str) -> str:
        prefix, suffix = codes(name)
        return f"{prefix}{text}{suffix}"

    return style


def _wait_and_scheduled(view: TaskView, now: datetime) -> list[tuple[str, str]]:
    """``show``'s Wait and Scheduled rows, only for a task that has the date."""
    fields: list[tuple[str, str]] = []
    if view.wait is not None:
        hidden = view.status is Status.PENDING and view.wait > now
        fields.append(("Wait", format_due(view.wait) + (" (waiting)" if hidden else "")))
    if view.scheduled is not None:
        fields.append(("Scheduled", format_due(view.scheduled)))
    return fields


def task_detail(detail: TaskDetail, style: Styler) -> RenderableType:
    """``show``: every field, the ancestor path, the annotations (numbered, dated) and the
    direct subtasks (one line each)."""
    now = datetime.now(UTC)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, value in _detail_fields(detail, now):
        grid.add_row(name, Text(value))
    parts: list[RenderableType] = [grid]
    if detail.annotations:
        parts.append(Text("\nAnnotations", style="bold"))
        parts.append(_annotations(detail))
    if detail.subtasks:
        parts.append(Text("\nSubtasks", style="bold"))
        parts.append(_Labels(detail.subtasks, now=now))
    return Group(*parts)


def _detail_fields(detail: TaskDetail, now: datetime) -> list[tuple[str, str]]:
    """``show``'s (name, value) rows: the fixed ones, then those the task has."""
    view = detail.task
    due = format_due(view.due) or "-"
    path = PATH_SEPARATOR.join(terminal_safe(a.title) for a in detail.ancestors) or "(top level)"
    fields: list[tuple[str, str]] = [
        ("ID", str(view.id)),
        ("Title", terminal_safe(view.title)),
        ("Status", view.status.value + (" (blocked)" if _blocked(detail) else "")),
        ("Priority", view.priority.label),
        ("Due", f"{due} (overdue)" if overdue(view, now) else due),
        ("Tags", tags_text(view) or "-"),
        ("Path", path),
        ("Progress", progress_text(view) or "-"),
        ("Created", local_time(view.created_at)),
        ("Updated", local_time(view.updated_at)),
    ]
    if view.completed_at is not None:
        fields.append(("Completed", local_time(view.completed_at)))
    fields += _wait_and_scheduled(view, now)
    if view.recur is not None:
        fields.append(("Recur", recur_text(view.recur)))
    if detail.time_spent or detail.running_since is not None:
        fields.append(("Time", time_text(detail, now)))
    if detail.blocked_by:
        fields.append(("Blocked by", _links(detail.blocked_by)))
    if detail.blocking:
        fields.append(("Blocking", _links(detail.blocking)))
    if view.note:
        fields.append(("Note", terminal_safe(view.note, keep_newlines=True)))
    return fields


def _blocked(detail: TaskDetail) -> bool:
    """Blocked: one of its blockers is still pending."""
    return any(link.pending for link in detail.blocked_by)


def _links(links: Sequence[BlockerLink]) -> str:
    """One line per linked task: ``3 Buy paint (pending)``."""
    return "\n".join(
        f"{link.id} {terminal_safe(link.title)} ({'pending' if link.pending else 'done'})"
        for link in links
    )


def time_text(detail: TaskDetail, now: datetime) -> str:
    """``Started 10:02 (1h 12m so far); total 3h 5m``, or ``total 3h 5m`` when stopped."""
    total = f"total {duration(detail.time_spent)}"
    if detail.running_since is None:
        return total
    started = to_local(detail.running_since)
    same_day = started.date() == to_local(now).date()
    shown = started.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")
    so_far = duration(int((now - detail.running_since).total_seconds()))
    return f"Started {shown} ({so_far} so far); {total}"


def _annotations(detail: TaskDetail) -> RenderableType:
    """Numbered as ``denotate`` takes them, oldest first, each dated in local time."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for number, annotation in enumerate(detail.annotations, start=1):
        grid.add_row(
            str(number), local_time(annotation.entry), Text(terminal_safe(annotation.text))
        )
    return grid


def _lines(text: str) -> Iterable[Segment]:
    """Laid-out text (styles already applied) as segments, one line at a time."""
    newline = Segment.line()
    for line in text.removesuffix("\n").split("\n") if text else ():
        yield Segment(line)
        yield newline


class _Labels:
    """Tree labels without guide lines (``show``'s subtasks), each fitted to one line."""

    def __init__(self, views: Sequence[TaskView], *, now: datetime) -> None:
        self.views, self.now = views, now

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterable[Text]:
        style = ansi_styler(console)
        for view in self.views:
            label = node_label(
                view, style, now=self.now, width=options.max_width, cell_width=cell_len
            )
            yield Text.from_ansi(label, no_wrap=True)


class TaskTable:
    """``list`` on a terminal: one task a line, titles shortened to fit the width."""

    def __init__(
        self, views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
    ) -> None:
        self.views, self.now, self.columns = views, now, columns

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        style = ansi_styler(console)
        yield from _lines(
            task_table(
                self.views,
                now=self.now,
                style=style,
                width=options.max_width,
                cell_width=cell_len,
                columns=self.columns,
            )
        )


class TaskForest:
    """``tree`` on a terminal: the forest with guide lines, one node a line, fitted to the width."""

    def __init__(self, nodes: Sequence[TreeNode], *, now: datetime) -> None:
        self.nodes, self.now = nodes, now

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        text = task_tree(
            self.nodes,
            style=ansi_styler(console),
            now=self.now,
            width=options.max_width,
            cell_width=cell_len,
        )
        yield from _lines(text)


class TextBlock:
    """Text laid out for the console's width (``log``, ``history``), printed as it is."""

    def __init__(self, layout: Callable[[int, Callable[[str], int]], str]) -> None:
        self.layout = layout

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        yield from _lines(self.layout(options.max_width, cell_len))


def recur_text(recur: Recurrence) -> str:
    """``weekly``, ``every 2 days from completion``, ``monthly until 2027-06-30 23:59:59``."""
    start = " from completion" if recur.start == "completion" else ""
    until = f" until {local_time(recur.until)}" if recur.until is not None else ""
    return f"{recur.rule}{start}{until}"
