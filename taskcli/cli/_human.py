"""The human formats on stdout: Rich renderables on a terminal, plain text when piped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from taskcli.cli._output import show, styled

if TYPE_CHECKING:
    from rich.console import RenderableType

    from taskcli.domain import HistoryEntry, OperationView, TaskDetail, TaskView, TreeNode


def task_table(
    views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
) -> None:
    from taskcli import layout

    def rich() -> RenderableType:
        from taskcli.render_rich import TaskTable

        return TaskTable(views, now=now, columns=columns)

    styled(lambda: layout.task_table(views, now=now, style=layout.plain, columns=columns), rich)


def task_forest(nodes: Sequence[TreeNode]) -> None:
    from taskcli import layout

    def rich() -> RenderableType:
        from taskcli.render_rich import TaskForest

        return TaskForest(nodes)

    styled(lambda: layout.task_tree(nodes), rich)


def task_detail(detail: TaskDetail) -> None:
    from taskcli.render_rich import task_detail as layout

    show(lambda style: layout(detail, style))


def operations(operations: Sequence[OperationView]) -> None:
    from taskcli.render_journal import operations_table

    _text_block(operations_table(operations))


def history(entries: Sequence[HistoryEntry]) -> None:
    from taskcli.render_journal import history_text

    _text_block(history_text(entries))


def _text_block(text: str) -> None:
    def rich() -> RenderableType:
        from taskcli.render_rich import TextBlock

        return TextBlock(text)

    styled(lambda: text, rich)
