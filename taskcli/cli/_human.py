"""The human formats on stdout: styled and fitted on a terminal, plain when piped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from taskcli.cli._output import show, write, write_styled

if TYPE_CHECKING:
    from taskcli.domain import HistoryEntry, OperationView, TaskDetail, TaskView, TreeNode


def task_table(views: Sequence[TaskView], *, now: datetime) -> None:
    from taskcli import render

    write_styled(
        lambda style, width, cell_width: render.task_table(
            views, now=now, style=style, width=width, cell_width=cell_width
        )
    )


def task_forest(nodes: Sequence[TreeNode]) -> None:
    from taskcli import render

    write_styled(lambda style, _width, _cells: render.task_tree(nodes, style=style))


def task_detail(detail: TaskDetail) -> None:
    from taskcli.render_rich import task_detail as layout

    show(lambda style: layout(detail, style))


def operations(operations: Sequence[OperationView]) -> None:
    from taskcli import render

    write(render.operations_table(operations))


def history(entries: Sequence[HistoryEntry]) -> None:
    from taskcli import render

    write(render.history_text(entries))
