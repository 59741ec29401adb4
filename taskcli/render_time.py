"""``taskcli report time`` as data (JSON objects, CSV) and as a table for people."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from taskcli.textsafe import terminal_safe

if TYPE_CHECKING:
    from taskcli.services.timing import TimeRow


def duration(seconds: int) -> str:
    """``3h 5m``, ``12m``, ``40s``: hours and minutes, seconds only under a minute."""
    seconds = max(seconds, 0)
    if seconds < 60:
        return f"{seconds}s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def keys(by: str) -> tuple[str, ...]:
    return ("id", "title", "seconds") if by == "root" else ("tag", "seconds")


def time_objects(found: Sequence[TimeRow], by: str) -> list[dict[str, Any]]:
    """``--by tag``: ``{"tag", "seconds"}``; ``--by root``: ``{"id", "title", "seconds"}``."""
    if by == "root":
        return [{"id": row.task_id, "title": row.key, "seconds": row.seconds} for row in found]
    return [{"tag": row.key, "seconds": row.seconds} for row in found]


def time_csv(found: Sequence[TimeRow], by: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(keys(by))
    for record in time_objects(found, by):
        writer.writerow(record.values())
    return buffer.getvalue()


def time_text(found: Sequence[TimeRow], by: str) -> str:
    """One aligned row per tag (or root task), most time first, then the total."""
    if not found:
        return "No time recorded.\n"
    label = "Root task" if by == "root" else "Tag"
    names = [
        terminal_safe(f"{row.task_id} {row.key}" if by == "root" else row.key) for row in found
    ]
    times = [duration(row.seconds) for row in found]
    names.append("Total" if by == "root" else "Total (a task counts under each tag)")
    times.append(duration(sum(row.seconds for row in found)))
    left = max(len(label), *(len(name) for name in names))
    right = max(len("Time"), *(len(each) for each in times))
    lines = [f"{label:<{left}}  {'Time':>{right}}"]
    lines += [f"{name:<{left}}  {each:>{right}}" for name, each in zip(names, times, strict=True)]
    return "".join(f"{line}\n" for line in lines)
