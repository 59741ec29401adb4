"""What an output format can write: the ``Formatter`` interface every format implements.

One method per kind of result (a task list, a tree, a change, ...); a format
that cannot show a kind leaves its method raising, and no command offers it
that format. Kept apart from the formats themselves (``format_human``,
``format_data``) and from choosing one by name (``formats``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

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

Forest = Callable[[], "list[TreeNode]"]
ForestStream = Callable[[Callable[..., Any]], object]


class Formatter:
    """How one format writes each kind of result; a command offers only formats that have it."""

    name: ClassVar[str]
    # ``False``: this format shows ids only, so the service need not build views.
    needs_views: ClassVar[bool] = True
    # ``True``: ``list`` hands this format task records (``services.listing``), not views.
    lists_records: ClassVar[bool] = False

    def task_list(
        self, views: Sequence[TaskView], *, now: datetime, columns: Sequence[str] | None = None
    ) -> None:
        raise NotImplementedError(self.name)

    def task_records(
        self, found: Sequence[Sequence[Any]], tags: Mapping[int, Sequence[str]]
    ) -> None:
        """``list`` as task records and their tags, for a format with ``lists_records``."""
        raise NotImplementedError(self.name)

    def task_tree(self, nodes: list[TreeNode], *, single: bool) -> None:
        raise NotImplementedError(self.name)

    def ranked(self, found: Sequence[RankedTask], *, now: datetime, explain: bool) -> None:
        """``next``: tasks most urgent first; ``explain`` adds each urgency term."""
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

    def annotated(self, verb: str, result: AnnotatedTask) -> None:
        """What ``annotate`` or ``denotate`` did to one task."""
        raise NotImplementedError(self.name)

    def history(self, entries: Sequence[HistoryEntry]) -> None:
        raise NotImplementedError(self.name)

    def time_report(self, found: Sequence[TimeRow], *, by: str) -> None:
        """``report time``: seconds per tag or per root task."""
        raise NotImplementedError(self.name)

    def import_report(self, report: ImportReport) -> None:
        raise NotImplementedError(self.name)

    def reverted(self, verb: str, reverted: Sequence[Reverted]) -> None:
        raise NotImplementedError(self.name)

    def resolved_date(self, expression: str, value: datetime) -> None:
        """What a date expression means (``calc``)."""
        raise NotImplementedError(self.name)
