"""The ``tree`` forest as text: guide lines and one label a node, fitted to a width. No Rich.

Kept apart from the ``list`` table (``layout_table``) because it changes with
how a node reads (its label, also ``show``'s subtask lines) and how deep
nesting folds on a narrow terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from taskcli.domain import Status, TaskView, TreeNode
from taskcli.fitting import ellipsized, fit
from taskcli.layout import (
    DONE_MARK,
    PENDING_MARK,
    PRIORITY_LETTERS,
    PRIORITY_STYLES,
    Styler,
    format_due,
    overdue,
    plain,
    title_steps,
)
from taskcli.textsafe import terminal_safe

_LABEL_PARTS = ("title", "tags", "progress", "due")


def node_label(
    view: TaskView,
    style: Styler,
    *,
    now: datetime | None = None,
    width: int | None = None,
    cell_width: Callable[[str], int] = len,
) -> str:
    """``○ 7 (H) Title  [2/5]  due 2026-12-01  +tag`` with its styles, fitted to ``width``.

    Overdue tasks say ``overdue`` instead of ``due`` and priority is a
    letter, so both read without colour.
    """
    done = view.status is Status.DONE
    letter = PRIORITY_LETTERS.get(view.priority, "")
    head = f"{view.id} " + (f"({letter}) " if letter else "")
    title = terminal_safe(view.title)
    late = overdue(view, now)
    extras = _extras(view, late)
    if width is not None:
        title, extras = _fitted(title, extras, width - 2 - cell_width(head), cell_width)
    mark = style(DONE_MARK, "green") if done else PENDING_MARK
    title_style = "dim" if done else PRIORITY_STYLES.get(view.priority, "")
    label = f"{mark} {style(str(view.id), 'dim')} "
    if letter:
        label += f"({style(letter, title_style) if title_style else letter}) "
    label += style(title, title_style) if title_style else title
    for name, text in extras.items():
        label += style("  " + text, "red" if name == "due" and late else "dim")
    return label


def _extras(view: TaskView, late: bool) -> dict[str, str]:
    """The optional parts after the title, in order: progress, due date, tags."""
    extras: dict[str, str] = {}
    if view.progress:
        extras["progress"] = f"[{view.progress.done}/{view.progress.total}]"
    if view.due:
        extras["due"] = f"{'overdue' if late else 'due'} {format_due(view.due)}"
    if view.tags:
        extras["tags"] = " ".join(f"+{terminal_safe(tag)}" for tag in view.tags)
    return extras


def _fitted(
    title: str, extras: dict[str, str], room: int, cell_width: Callable[[str], int]
) -> tuple[str, dict[str, str]]:
    """The title and the extras cut to ``room`` cells, in ``title_steps`` order."""
    natural = {"title": cell_width(title)}
    natural |= {name: 2 + cell_width(text) for name, text in extras.items()}
    sized = fit(natural, room, title_steps(_LABEL_PARTS, natural["title"], room), gap=0)
    title = ellipsized(title, sized.get("title", 0), cell_width)
    extras = {
        name: ellipsized(text, sized[name] - 2, cell_width)
        for name, text in extras.items()
        if name in sized
    }
    return title, extras


def task_tree(
    nodes: Sequence[TreeNode],
    *,
    style: Styler = plain,
    now: datetime | None = None,
    width: int | None = None,
    cell_width: Callable[[str], int] = len,
) -> str:
    """The forest with guide lines, one node per line, each root at the margin.

    With ``width`` every line fits it: the label gives way (tags, then the
    title), never the guide lines; below a depth the width cannot show, the
    outer levels fold into one ``…`` column.
    """
    lines: list[str] = []
    stack: list[tuple[TreeNode, str, str]] = [(node, "", "") for node in reversed(nodes)]
    while stack:
        node, lead, indent = stack.pop()
        lines.append(_tree_line(node.task, lead, style, now, width, cell_width))
        last = len(node.children) - 1
        for index in range(last, -1, -1):
            is_last = index == last
            stack.append(
                (
                    node.children[index],
                    indent + ("└── " if is_last else "├── "),
                    indent + ("    " if is_last else "│   "),
                )
            )
    return "".join(f"{line}\n" for line in lines)


# A label narrower than this moves its guide lines: the outer levels fold into one ``…``.
_LABEL_ROOM = 16
_FOLDED = "…   "


def _tree_line(
    view: TaskView,
    lead: str,
    style: Styler,
    now: datetime | None,
    width: int | None,
    cell_width: Callable[[str], int],
) -> str:
    """One node's line; nested too deep for ``width``, its outer guides fold into ``…``."""
    room = None if width is None else width - cell_width(lead)
    if width is not None and room is not None and room < _LABEL_ROOM and lead:
        levels = max((width - _LABEL_ROOM) // len(_FOLDED), 1)  # guides are 4 cells a level
        lead = _FOLDED + (lead[-len(_FOLDED) * (levels - 1) :] if levels > 1 else "")
        room = width - cell_width(lead)
    if room is not None and room < cell_width(f"○ {view.id} ") + 2:  # a very narrow terminal
        return ellipsized(lead + node_label(view, plain, now=now), width or 0, cell_width)
    label = node_label(view, style, now=now, width=room, cell_width=cell_width)
    return style(lead, "dim") + label if lead else label
