"""What needs Rich: ANSI styles for the terminal and the ``show`` layout.

Kept apart from ``render`` so that piped output and data formats never
import Rich.
"""

from __future__ import annotations

from functools import lru_cache

from rich.console import COLOR_SYSTEMS, Console, Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from taskcli.domain import TaskDetail
from taskcli.render import (
    Styler,
    format_due,
    local_time,
    node_label,
    plain,
    progress_text,
    tags_text,
)
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


def task_detail(detail: TaskDetail, style: Styler) -> RenderableType:
    """``show``: every field, the ancestor path and the direct subtasks."""
    view = detail.task
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    path = " \u203a ".join(terminal_safe(a.title) for a in detail.ancestors) or "(top level)"
    fields: list[tuple[str, str]] = [
        ("ID", str(view.id)),
        ("Title", terminal_safe(view.title)),
        ("Status", view.status.value),
        ("Priority", view.priority.label),
        ("Due", format_due(view.due) or "-"),
        ("Tags", tags_text(view) or "-"),
        ("Path", path),
        ("Progress", progress_text(view) or "-"),
        ("Created", local_time(view.created_at)),
        ("Updated", local_time(view.updated_at)),
    ]
    if view.completed_at is not None:
        fields.append(("Completed", local_time(view.completed_at)))
    if view.note:
        fields.append(("Note", terminal_safe(view.note, keep_newlines=True)))
    for name, value in fields:
        grid.add_row(name, Text(value))
    parts: list[RenderableType] = [grid]
    if detail.subtasks:
        parts.append(Text("\nSubtasks", style="bold"))
        parts.extend(Text.from_ansi(node_label(sub, style)) for sub in detail.subtasks)
    return Group(*parts)
