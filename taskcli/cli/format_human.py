"""The format for people (``table``, ``tree``, ``text``): what each result reads as.

Kept apart from the data formats (``format_data``) because it changes with
what people read (wording, counts, empty results as one line on stderr),
not with a stability promise. Drawing itself (Rich on a terminal, plain
text when piped) is ``_human``'s; each method imports what it draws with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from taskcli.cli._output import write
from taskcli.cli.formatter import Formatter

if TYPE_CHECKING:
    from taskcli.domain import (
        AnnotatedTask,
        HistoryEntry,
        OperationView,
        TaskDetail,
        TaskView,
        TreeNode,
    )
    from taskcli.records import ImportReport
    from taskcli.services.journal import Reverted
    from taskcli.services.timing import TimeRow
    from taskcli.urgency import RankedTask


class HumanFormatter(Formatter):
    """For people (``table``, ``tree``, ``text``): styled on a terminal, plain when piped."""

    name = "text"

    def task_list(
        self, views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
    ) -> None:
        from taskcli.cli import _human

        if _nothing(views, "tasks"):
            return
        _human.task_table(views, now=now, columns=columns)

    def task_tree(self, nodes: list[TreeNode], *, single: bool) -> None:
        from taskcli.cli import _human

        if _nothing(nodes, "tasks"):
            return
        _human.task_forest(nodes, now=datetime.now(UTC))

    def ranked(self, found: Sequence[RankedTask], *, now: datetime, explain: bool) -> None:
        from taskcli.cli import _human

        if _nothing(found, "actionable tasks"):
            return
        _human.ranked(found, now=now, explain=explain)

    def task_detail(self, detail: TaskDetail) -> None:
        from taskcli.cli import _human

        _human.task_detail(detail)

    def time_report(self, found: Sequence[TimeRow], *, by: str) -> None:
        from taskcli.render_time import time_text

        write(time_text(found, by))

    def changes(self, verb: str, views: Sequence[TaskView], *, named: int | None = None) -> None:
        from taskcli.layout import change_line

        shown = views if named is None else views[:named]
        write("".join(change_line(verb, view) + "\n" for view in shown))
        if named is not None and (more := len(views) - named):
            write(f"... and {counted(more, 'subtask')}\n")

    def annotated(self, verb: str, result: AnnotatedTask) -> None:
        from taskcli.layout import change_line

        write(change_line(verb, result.task) + "\n")

    def operations(self, operations: Sequence[OperationView]) -> None:
        from taskcli.cli import _human

        if _nothing(operations, "operations"):
            return
        _human.operations(operations)

    def history(self, entries: Sequence[HistoryEntry]) -> None:
        from taskcli.cli import _human

        if _nothing(entries, "changes"):
            return
        _human.history(entries)

    def import_report(self, report: ImportReport) -> None:
        created = len(report.created)
        total = created + report.already_present
        parts = [f"Imported {counted(total, 'task')}"]
        if report.already_present:  # some were here already: say what became of each
            parts[0] += (
                f": {created} added, {len(report.updated)} updated, {report.unchanged} unchanged"
            )
        parts += [
            f"skipped {count} {reason.removesuffix('s') if count == 1 else reason}"
            for reason, count in sorted(report.skipped.items())
        ]
        line = ", ".join(parts) + ("; " + "; ".join(report.notes) if report.notes else "")
        write(line + "\n")

    def reverted(self, verb: str, reverted: Sequence[Reverted]) -> None:
        from taskcli.textsafe import terminal_safe

        write(
            "".join(
                f"{verb} operation {item.operation_id}: {terminal_safe(item.command)} "
                f"({counted(item.rows, 'row')})\n"
                for item in reverted
            )
        )

    def resolved_date(self, expression: str, value: datetime) -> None:
        from taskcli.instants import to_local

        local = to_local(value)
        offset = f"{local:%z}"
        write(
            f"local  {local:%a %Y-%m-%d %H:%M:%S %Z} ({offset[:3]}:{offset[3:]})\n"
            f"utc    {value.astimezone(UTC).isoformat()}\n"
        )


def counted(count: int, noun: str) -> str:
    """``1 row``, ``2 rows``: every count shown to people agrees with its noun."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _nothing(results: Sequence[object], what: str) -> bool:
    """An empty result for people: one line on stderr (``No tasks.``), stdout left empty."""
    if results:
        return False
    from taskcli.cli._boundary import print_message

    print_message(f"No {what}.")
    return True
