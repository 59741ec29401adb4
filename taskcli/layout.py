"""Layouts for people: the ``list`` table, the ``tree`` forest, change lines. No Rich.

Styles are applied through a ``Styler`` the caller passes in (ANSI colour on
a terminal, nothing when piped), so piped output never imports Rich; on a
terminal ``render_rich`` wraps these layouts in Rich renderables.

User text (titles, notes, tags) is data: it is made terminal-safe, never
parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time

from taskcli.domain import Priority, Status, TaskView, TreeNode
from taskcli.fitting import Step, ellipsized, fit
from taskcli.instants import to_local
from taskcli.textsafe import terminal_safe

_DONE_MARK = "✓"


_PENDING_MARK = "○"


def format_due(due: datetime | None) -> str:
    """Local time; a due at the end of a day shows as the date alone."""
    if due is None:
        return ""
    local = to_local(due)
    if local.time() == time(23, 59, 59):
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M")


def progress_text(view: TaskView) -> str:
    return f"{view.progress.done}/{view.progress.total}" if view.progress else ""


def tags_text(view: TaskView) -> str:
    return " ".join(terminal_safe(tag) for tag in view.tags)


def _columns(views: Sequence[TaskView]) -> list[str]:
    columns = ["ID"]
    if any(view.status is Status.DONE for view in views):
        columns.append("St")
    columns += ["Pri", "Title", "Due", "Tags"]
    if any(view.progress for view in views):
        columns.append("Progress")
    return columns


# ``list --columns`` names (``list_options.LIST_COLUMNS``) and their headers.
COLUMN_HEADERS = {
    "id": "ID",
    "status": "St",
    "priority": "Pri",
    "title": "Title",
    "due": "Due",
    "tags": "Tags",
    "progress": "Progress",
    "path": "Path",
}


def path_text(view: TaskView) -> str:
    """The ancestor titles, root first, joined by U+203A as in ``show`` (empty at the top)."""
    return " \u203a ".join(terminal_safe(title) for title in view.path or ())


# Priority as a letter, so it reads without colour (NO_COLOR, pipes) and stays narrow.
PRIORITY_LETTERS = {Priority.HIGH: "H", Priority.MEDIUM: "M", Priority.LOW: "L"}
OVERDUE_MARK = "!"


def overdue(view: TaskView, now: datetime | None) -> bool:
    """Pending and past due at ``now`` (never, without a ``now``)."""
    return (
        now is not None
        and view.status is Status.PENDING
        and view.due is not None
        and view.due < now
    )


def _cells(view: TaskView, columns: Sequence[str], now: datetime | None) -> list[str]:
    due = format_due(view.due) + (OVERDUE_MARK if overdue(view, now) else "")
    values = {
        "ID": str(view.id),
        "St": _DONE_MARK if view.status is Status.DONE else "",
        "Pri": PRIORITY_LETTERS.get(view.priority, ""),
        "Title": terminal_safe(view.title),
        "Due": due,
        "Tags": tags_text(view),
        "Progress": progress_text(view),
        "Path": path_text(view) if "Path" in columns else "",
    }
    return [values[column] for column in columns]


Styler = Callable[[str, str], str]
"""Wraps text in a named style (``bold``, ``dim``, ``red`` ...); the plain one does nothing."""


PRIORITY_STYLES = {Priority.HIGH: "bold red", Priority.MEDIUM: "yellow", Priority.LOW: "cyan"}
# Below these, titles and tags give way only after optional parts have gone.
TITLE_MIN = 16
TAGS_MIN = 8


def title_steps(names: tuple[str, str, str, str], title: int, width: int) -> list[Step]:
    """Who gives way, in order, when a line with a title is too wide.

    The title keeps at least half the width (or all of it, if shorter) while
    tags shrink; then it shrinks to ``TITLE_MIN``; then tags, progress, and
    (in a tree) the due date go, before the title is cut any further.
    ``names``: the title, tags, progress and due parts (``""``: never dropped).
    """
    title_name, tags, progress, due = names
    target = min(title, max(TITLE_MIN, width // 2))
    return [
        (title_name, target),
        (tags, TAGS_MIN),
        (title_name, TITLE_MIN),
        (tags, 0),
        (progress, 0),
        (title_name, 8),
        (due, 0),
        (title_name, 1),
    ]


_TABLE_PARTS = ("Title", "Tags", "Progress", "")
_LABEL_PARTS = ("title", "tags", "progress", "due")


def plain(text: str, _style: str) -> str:
    return text


def task_table(
    views: Sequence[TaskView],
    *,
    now: datetime | None,
    style: Styler,
    width: int | None = None,
    cell_width: Callable[[str], int] = len,
    columns: Sequence[str] | None = None,
) -> str:
    """The ``list`` table as text: one task per line, columns sized by their content.

    With ``width`` (a terminal) the rows fit it: tags and paths shrink first,
    then optional columns go, titles are cut last (with ``…``); without it
    nothing is ever cut. Building lines directly keeps 10,000 rows to
    milliseconds, where a Rich ``Table`` costs about 0.3 ms a row.
    ``columns`` (``list --columns`` names) replaces the default choice.
    """
    columns = _columns(views) if columns is None else [COLUMN_HEADERS[c] for c in columns]
    grid = [columns, *(_cells(view, columns, now) for view in views)]
    natural = {name: max(cell_width(row[i]) for row in grid) for i, name in enumerate(columns)}
    widths = [natural[name] for name in columns]
    if width is not None:
        steps = title_steps(_TABLE_PARTS, natural.get("Title", 0), width)
        steps.insert(1, ("Path", TAGS_MIN))
        sized = fit(natural, width, steps, gap=2)
        kept = [i for i, name in enumerate(columns) if name in sized]
        columns = [columns[i] for i in kept]
        widths = [sized[name] for name in columns]
        cut = [i for i, name in enumerate(columns) if sized[name] < natural[name]]
        grid = [[row[i] for i in kept] for row in grid]
        for row in grid:
            for i in cut:
                row[i] = ellipsized(row[i], widths[i], cell_width)
        if sum(widths) + 2 * (len(widths) - 1) > width:  # a very narrow terminal
            lines = [_row(row, widths, cell_width, plain, "") for row in grid]
            return "".join(f"{ellipsized(line, width, cell_width)}\n" for line in lines)
    lines = [_row(columns, widths, cell_width, style, "bold")]
    for view, cells in zip(views, grid[1:], strict=True):
        lines.append(
            _row(
                cells, widths, cell_width, style, _row_style(view), _cell_styles(view, columns, now)
            )
        )
    return "".join(f"{line}\n" for line in lines)


def _row(
    cells: Sequence[str],
    widths: Sequence[int],
    cell_width: Callable[[str], int],
    style: Styler,
    row_style: str,
    cell_styles: dict[int, str] | None = None,
) -> str:
    parts = []
    for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * (width - cell_width(cell))
        name = (cell_styles or {}).get(index, row_style)
        text = style(cell, name) if cell and name else cell
        parts.append(pad + text if index == 0 else text + pad)
    return "  ".join(parts).rstrip()


def _row_style(view: TaskView) -> str:
    return "dim" if view.status is Status.DONE else ""


def _cell_styles(view: TaskView, columns: Sequence[str], now: datetime | None) -> dict[int, str]:
    if view.status is Status.DONE:
        return {}
    styles: dict[int, str] = {}
    if "Pri" in columns:
        styles[columns.index("Pri")] = PRIORITY_STYLES.get(view.priority, "")
    if "Due" in columns and overdue(view, now):
        styles[columns.index("Due")] = "red"
    return styles


def aligned(
    grid: Sequence[Sequence[str]],
    *,
    width: int | None = None,
    steps: Sequence[Step] = (),
    cell_width: Callable[[str], int] = len,
) -> str:
    """Rows of cells as aligned text, the first column (ids) to the right.

    With ``width``, ``steps`` (by column name, the header's cell) make the
    rows fit; whatever still overflows is cut at the end.
    """
    names = list(grid[0])
    natural = {name: max(cell_width(row[i]) for row in grid) for i, name in enumerate(names)}
    sized = natural if width is None else fit(natural, width, steps, gap=2)
    kept = [i for i, name in enumerate(names) if name in sized]
    widths = [sized[names[i]] for i in kept]
    lines = []
    for row in grid:
        cells = [ellipsized(row[i], sized[names[i]], cell_width) for i in kept]
        line = _row(cells, widths, cell_width, plain, "")
        lines.append(line if width is None else ellipsized(line, width, cell_width))
    return "".join(f"{line}\n" for line in lines)


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
    extras: dict[str, str] = {}
    if view.progress:
        extras["progress"] = f"[{view.progress.done}/{view.progress.total}]"
    if view.due:
        extras["due"] = f"{'overdue' if late else 'due'} {format_due(view.due)}"
    if view.tags:
        extras["tags"] = " ".join(f"+{terminal_safe(tag)}" for tag in view.tags)
    if width is not None:
        natural = {"title": cell_width(title)}
        natural |= {name: 2 + cell_width(text) for name, text in extras.items()}
        room = width - 2 - cell_width(head)
        sized = fit(natural, room, title_steps(_LABEL_PARTS, natural["title"], room), gap=0)
        title = ellipsized(title, sized.get("title", 0), cell_width)
        extras = {
            name: ellipsized(text, sized[name] - 2, cell_width)
            for name, text in extras.items()
            if name in sized
        }
    mark = style(_DONE_MARK, "green") if done else _PENDING_MARK
    title_style = "dim" if done else PRIORITY_STYLES.get(view.priority, "")
    label = f"{mark} {style(str(view.id), 'dim')} "
    if letter:
        label += f"({style(letter, title_style) if title_style else letter}) "
    label += style(title, title_style) if title_style else title
    for name, text in extras.items():
        label += style("  " + text, "red" if name == "due" and late else "dim")
    return label


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


def local_time(value: datetime) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S")


def change_line(verb: str, view: TaskView) -> str:
    """``Completed task 3: Title`` (terminal-safe)."""
    return f"{verb} task {view.id}: {terminal_safe(view.title)}"
