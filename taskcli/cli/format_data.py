"""The data formats (``json``, ``csv``, ``ids``, ``outline``): what scripts read.

Kept apart from the format for people (``format_human``) because these
change only additively: JSON keys keep their name, type and meaning (SPEC),
and ``outline`` must stay what ``import --outline`` reads back. Each method
imports the renderer it writes with, so none of them loads Rich.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from taskcli.cli._output import write, write_readable
from taskcli.cli.formatter import Forest, ForestStream, Formatter

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
    from taskcli.services.timing import TimeRow
    from taskcli.urgency import RankedTask

# The verbs whose JSON report is one object (they change exactly one task).
SINGLE_TASK_VERBS = ("Created", "Updated", "Moved")


class JsonFormatter(Formatter):
    """One JSON document on stdout, keys additive-only (SPEC)."""

    name = "json"
    lists_records = True

    def time_report(self, found: Sequence[TimeRow], *, by: str) -> None:
        from taskcli import render
        from taskcli.render_time import time_objects

        write(render.to_json(time_objects(found, by)))

    def task_list(
        self, views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
    ) -> None:
        from taskcli import render

        write(render.tasks_json(views))

    def task_records(
        self, found: Sequence[Sequence[Any]], tags: Mapping[int, Sequence[str]]
    ) -> None:
        from taskcli import render_records

        write(render_records.records_json(found, tags))

    def ranked(self, found: Sequence[RankedTask], *, now: datetime, explain: bool) -> None:
        from taskcli.render import to_json
        from taskcli.render_next import next_object

        write(to_json([next_object(ranked, explain=explain) for ranked in found]))

    def task_tree(self, nodes: list[TreeNode], *, single: bool) -> None:
        from taskcli import render

        objects = render.tree_objects(nodes)
        write(render.to_json(objects[0] if single and objects else objects))

    def task_forest(self, load: Forest, stream: ForestStream) -> None:
        import gc
        import sys

        from taskcli import render_records

        writer = render_records.TreeJsonWriter(sys.stdout.write)
        # The forest's shape is 100,000s of small lists that live to the end:
        # the collector only rescans them (about 11% of the CPU at 100,000 tasks).
        gc.disable()
        try:
            stream(writer.node)
        finally:
            gc.enable()
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

    def annotated(self, verb: str, result: AnnotatedTask) -> None:
        from taskcli import render

        write(render.to_json(render.annotated_object(result)))

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

    def time_report(self, found: Sequence[TimeRow], *, by: str) -> None:
        from taskcli.render_time import time_csv

        write_readable(time_csv(found, by))

    def task_list(
        self, views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
    ) -> None:
        from taskcli import render

        write_readable(render.tasks_csv(views))

    def ranked(self, found: Sequence[RankedTask], *, now: datetime, explain: bool) -> None:
        from taskcli.render_next import next_csv

        write_readable(next_csv(found, explain=explain))


class IdsFormatter(Formatter):
    """One id per line, for scripts (``xargs taskcli done``)."""

    name = "ids"
    needs_views = False

    def task_list(
        self, views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
    ) -> None:
        from taskcli import render

        write(render.tasks_ids(views))

    def ranked(self, found: Sequence[RankedTask], *, now: datetime, explain: bool) -> None:
        write("".join(f"{ranked.task_id}\n" for ranked in found))


class OutlineFormatter(Formatter):
    """A Markdown checklist that ``import --outline`` reads back."""

    name = "outline"

    def task_tree(self, nodes: list[TreeNode], *, single: bool) -> None:
        from taskcli import render

        write_readable(render.tree_outline(nodes))
