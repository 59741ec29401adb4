"""The output formats: one object per format, chosen once by name.

A command declares the formats it offers as the enum of its ``--format``
option (``cli/options.py``): that is what its ``--help`` lists, and a test
runs every command in every format it lists. Each name resolves here to one
``Formatter``, which writes every kind of result the command can have. A call
site never asks which format it has; it asks the format to write. A new
format is one subclass here, its name in ``FORMATS`` and in the enum of each
command that offers it.

Only the standard library and Typer load here: each method imports what it
draws with, so piped and data formats never import Rich.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from taskcli.cli._output import write, write_readable

if TYPE_CHECKING:
    from taskcli.domain import HistoryEntry, OperationView, TaskDetail, TaskView, TreeNode
    from taskcli.records import ImportReport
    from taskcli.services.journal import Reverted

# The verbs whose JSON report is one object (they change exactly one task).
SINGLE_TASK_VERBS = ("Created", "Updated", "Moved")

Forest = Callable[[], "list[TreeNode]"]
ForestStream = Callable[[Callable[..., Any]], object]


class Formatter:
    """How one format writes each kind of result; a command offers only formats that have it."""

    name: ClassVar[str]
    # ``False``: this format shows ids only, so the service need not build views.
    needs_views: ClassVar[bool] = True

    def task_list(
        self, views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
    ) -> None:
        raise NotImplementedError(self.name)

    def task_tree(self, nodes: list[TreeNode], *, single: bool) -> None:
        raise NotImplementedError(self.name)

    def task_forest(self, load: Forest, stream: ForestStream) -> None:
        """The whole forest: loaded at once unless the format can stream it."""
        self.task_tree(load(), single=False)

    def task_detail(self, detail: TaskDetail) -> None:
        raise NotImplementedError(self.name)

    def changes(self, verb: str, views: Sequence[TaskView], *, named: int | None = None) -> None:
        """What a write command changed; ``named``: how many the user named (the rest follow)."""
        raise NotImplementedError(self.name)

    def operations(self, operations: Sequence[OperationView]) -> None:
        raise NotImplementedError(self.name)

    def history(self, entries: Sequence[HistoryEntry]) -> None:
        raise NotImplementedError(self.name)

    def import_report(self, report: ImportReport) -> None:
        raise NotImplementedError(self.name)

    def reverted(self, verb: str, reverted: Sequence[Reverted]) -> None:
        raise NotImplementedError(self.name)

    def resolved_date(self, expression: str, value: datetime) -> None:
        """What a date expression means (``calc``)."""
        raise NotImplementedError(self.name)


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

    def task_detail(self, detail: TaskDetail) -> None:
        from taskcli.cli import _human

        _human.task_detail(detail)

    def changes(self, verb: str, views: Sequence[TaskView], *, named: int | None = None) -> None:
        from taskcli.layout import change_line

        shown = views if named is None else views[:named]
        write("".join(change_line(verb, view) + "\n" for view in shown))
        if named is not None and (more := len(views) - named):
            write(f"... and {counted(more, 'subtask')}\n")

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


class JsonFormatter(Formatter):
    """One JSON document on stdout, keys additive-only (SPEC)."""

    name = "json"

    def task_list(
        self, views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
    ) -> None:
        from taskcli import render

        write(render.tasks_json(views))

    def task_tree(self, nodes: list[TreeNode], *, single: bool) -> None:
        from taskcli import render

        objects = render.tree_objects(nodes)
        write(render.to_json(objects[0] if single and objects else objects))

    def task_forest(self, load: Forest, stream: ForestStream) -> None:
        import sys

        from taskcli import render

        writer = render.TreeJsonWriter(sys.stdout.write)
        stream(writer.node)
        writer.finish()
        sys.stdout.flush()

    def task_detail(self, detail: TaskDetail) -> None:
        from taskcli import render

        write(render.to_json(render.detail_object(detail)))

    def changes(self, verb: str, views: Sequence[TaskView], *, named: int | None = None) -> None:
        from taskcli import render

        objects = [render.task_object(view) for view in views]  # every task the command changed
        single = verb in SINGLE_TASK_VERBS and len(objects) == 1  # several: an array
        write(render.to_json(objects[0] if single else objects))

    def operations(self, operations: Sequence[OperationView]) -> None:
        from taskcli.render import to_json
        from taskcli.render_journal import operation_object

        write(to_json([operation_object(o) for o in operations]))

    def history(self, entries: Sequence[HistoryEntry]) -> None:
        from taskcli.render import to_json
        from taskcli.render_journal import history_objects

        write(to_json(history_objects(entries)))

    def import_report(self, report: ImportReport) -> None:
        from taskcli import render

        document = {
            "imported": len(report.created),
            "already_present": report.already_present,
            "skipped": report.skipped,
            "ids": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
        write(render.to_json(document))

    def resolved_date(self, expression: str, value: datetime) -> None:
        from taskcli import render
        from taskcli.dates import describe

        write(render.to_json({"expression": expression, **describe(value)}))


class CsvFormatter(Formatter):
    """A header and one row per task: exact when piped, escaped on a terminal."""

    name = "csv"

    def task_list(
        self, views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
    ) -> None:
        from taskcli import render

        write_readable(render.tasks_csv(views))


class IdsFormatter(Formatter):
    """One id per line, for scripts (``xargs taskcli done``)."""

    name = "ids"
    needs_views = False

    def task_list(
        self, views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
    ) -> None:
        from taskcli import render

        write(render.tasks_ids(views))


class OutlineFormatter(Formatter):
    """A Markdown checklist that ``import --outline`` reads back."""

    name = "outline"

    def task_tree(self, nodes: list[TreeNode], *, single: bool) -> None:
        from taskcli import render

        write_readable(render.tree_outline(nodes))


_HUMAN = HumanFormatter()
FORMATS: dict[str, Formatter] = {
    "table": _HUMAN,
    "tree": _HUMAN,
    "text": _HUMAN,
    "json": JsonFormatter(),
    "csv": CsvFormatter(),
    "ids": IdsFormatter(),
    "outline": OutlineFormatter(),
}


def formatter(choice: StrEnum) -> Formatter:
    """The one object that writes the chosen format."""
    return FORMATS[choice.value]
