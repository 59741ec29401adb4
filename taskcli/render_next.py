"""``taskcli next`` as data (JSON objects, CSV) and as a table for people. No Rich.

A JSON object is ``list``'s task object with ``urgency`` and ``path`` after
every task key (0.4.0), and ``urgency_terms`` with ``--explain``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from taskcli.domain import Priority
from taskcli.fitting import Step
from taskcli.layout import (
    OVERDUE_MARK,
    PATH_SEPARATOR,
    PRIORITY_LETTERS,
    aligned,
    format_due,
    tags_text,
)
from taskcli.render import JSON_KEYS, csv_cells, task_object
from taskcli.textsafe import terminal_safe
from taskcli.urgency import TERMS, RankedTask

# ``--explain``'s column per term, in ``TERMS`` order.
TERM_HEADERS = ("Due", "Overdue", "Pri", "Age", "Active", "Tags")


def next_object(ranked: RankedTask, *, explain: bool) -> dict[str, Any]:
    """The task object, then ``urgency``, ``path`` (ancestor titles, root first), terms."""
    assert ranked.view is not None
    found = {
        **task_object(ranked.view),
        "urgency": ranked.urgency,
        "path": list(ranked.view.path or ()),
    }
    if explain:
        found["urgency_terms"] = ranked.term_object()
    return found


def next_csv(found: Sequence[RankedTask], *, explain: bool) -> str:
    """``list``'s CSV columns, then urgency, the path (joined as ``show`` does) and the terms."""
    terms = [f"urgency_{name}" for name in TERMS] if explain else []
    header = [*JSON_KEYS, "urgency", "path", *terms]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for ranked in found:
        record = next_object(ranked, explain=explain)
        record["path"] = PATH_SEPARATOR.join(record["path"])
        record.update(
            {f"urgency_{name}": value for name, value in zip(TERMS, ranked.terms, strict=True)}
        )
        writer.writerow(csv_cells(record, header))
    return buffer.getvalue()


def task_path(ranked: RankedTask) -> str:
    """``Project \u203a Sub \u203a task``: the ancestor titles, then the task's own."""
    assert ranked.view is not None
    titles = [*(ranked.view.path or ()), ranked.view.title]
    return PATH_SEPARATOR.join(terminal_safe(title) for title in titles)


def next_table(
    found: Sequence[RankedTask],
    *,
    now: datetime,
    explain: bool,
    width: int | None = None,
    cell_width: Callable[[str], int] = len,
) -> str:
    """One task a line, most urgent first; with ``explain`` each term in its own column."""
    grid = _explained(found) if explain else _plain(found, now)
    if width is None:
        return aligned(grid)
    task = max(cell_width(row[1 if explain else -2]) for row in grid)
    steps = _steps(task, width)
    if explain:  # every term stays: only the task's path gives way
        steps = [step for step in steps if step[0] == "Task"]
    return aligned(grid, width=width, steps=steps, cell_width=cell_width)


def _plain(found: Sequence[RankedTask], now: datetime) -> list[list[str]]:
    active = any(ranked.terms[TERMS.index("active")] for ranked in found)
    grid = [["ID", *(["A"] if active else []), "Pri", "Due", "Tags", "Task", "Urg"]]
    for ranked in found:
        assert ranked.view is not None
        due = format_due(ranked.due)
        if ranked.due is not None and ranked.due < now:
            due += OVERDUE_MARK
        mark = ["*" if ranked.terms[TERMS.index("active")] else ""] if active else []
        grid.append(
            [
                str(ranked.task_id),
                *mark,
                PRIORITY_LETTERS.get(Priority(ranked.priority), ""),
                due,
                tags_text(ranked.view),
                task_path(ranked),
                f"{ranked.urgency:.2f}",
            ]
        )
    return _right_aligned(grid, {len(grid[0]) - 1})


def _explained(found: Sequence[RankedTask]) -> list[list[str]]:
    grid = [["ID", "Task", *TERM_HEADERS, "Urg"]]
    grid += [
        [
            str(ranked.task_id),
            task_path(ranked),
            *(f"{term:.2f}" for term in ranked.terms),
            f"{ranked.urgency:.2f}",
        ]
        for ranked in found
    ]
    return _right_aligned(grid, set(range(2, len(grid[0]))))


def _right_aligned(grid: list[list[str]], columns: set[int]) -> list[list[str]]:
    """Numbers padded to their column's width on the left, so their decimals line up."""
    for column in columns:
        size = max(len(row[column]) for row in grid)
        for row in grid:
            row[column] = row[column].rjust(size)
    return grid


def _steps(task: int, width: int) -> list[Step]:
    """The task's path gets the slack and is cut last; tags and the due date give way first."""
    return [
        ("Task", min(task, max(16, width // 2))),
        ("Tags", 0),
        ("Task", 16),
        ("Due", 0),
        ("Task", 1),
    ]
