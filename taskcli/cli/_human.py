"""The human formats on stdout: Rich renderables on a terminal, plain text when piped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from taskcli.cli._output import show, styled

if TYPE_CHECKING:
    from rich.console import RenderableType

    from taskcli.domain import HistoryEntry, OperationView, TaskDetail, TaskView, TreeNode
    from taskcli.urgency import RankedTask

# Text for a width (``None``: piped, never cut), measured with a cell-width function.
TextLayout = Callable[[int | None, Callable[[str], int]], str]


def task_table(
    views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
) -> None:
    from taskcli.layout import plain
    from taskcli.layout_table import task_table

    def rich() -> RenderableType:
        from taskcli.render_rich import TaskTable

        return TaskTable(views, now=now, columns=columns)

    styled(lambda: task_table(views, now=now, style=plain, columns=columns), rich)


def task_forest(nodes: Sequence[TreeNode], *, now: datetime) -> None:
    from taskcli.layout_tree import task_tree

    def rich() -> RenderableType:
        from taskcli.render_rich import TaskForest

        return TaskForest(nodes, now=now)

    styled(lambda: task_tree(nodes, now=now), rich)


def task_detail(detail: TaskDetail) -> None:
    from taskcli.render_rich import task_detail as layout

    show(lambda style: layout(detail, style))


def ranked(found: Sequence[RankedTask], *, now: datetime, explain: bool) -> None:
    from taskcli.render_next import next_table

    _text_block(
        lambda width, cells: next_table(
            found, now=now, explain=explain, width=width, cell_width=cells
        )
    )


def operations(operations: Sequence[OperationView]) -> None:
    from taskcli.render_journal import operations_table

    _text_block(lambda width, cells: operations_table(operations, width=width, cell_width=cells))


def history(entries: Sequence[HistoryEntry]) -> None:
    from taskcli.render_journal import history_text

    _text_block(lambda width, cells: history_text(entries, width=width, cell_width=cells))


def _text_block(layout: TextLayout) -> None:
    """Text laid out for the terminal's width, or whole (``None``) when piped."""

    def rich() -> RenderableType:
        from taskcli.render_rich import TextBlock

        return TextBlock(layout)

    styled(lambda: layout(None, len), rich)
