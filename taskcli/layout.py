"""What every layout for people shares: a task's fields as text, styles, aligned rows. No Rich.

The ``list`` table (``layout_table``), the ``tree`` forest (``layout_tree``),
``log`` and ``history`` (``render_journal``) and ``show`` (``render_rich``)
are built from these pieces, so a field reads the same everywhere. Styles
are applied through a ``Styler`` the caller passes in (ANSI colour on a
terminal, nothing when piped), so piped output never imports Rich; on a
terminal ``render_rich`` wraps the layouts in Rich renderables.

User text (titles, notes, tags) is data: it is made terminal-safe, never
parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time

from taskcli.domain import Priority, Status, TaskView
from taskcli.fitting import Step, ellipsized, fit
from taskcli.instants import to_local
from taskcli.textsafe import terminal_safe

DONE_MARK = "✓"
PENDING_MARK = "○"


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


#: Between the titles of a task's path (U+203A): ``show``, ``list --columns path``, ``next``.
PATH_SEPARATOR = " \u203a "


def path_text(view: TaskView) -> str:
    """The ancestor titles, root first, joined as in ``show`` (empty at the top)."""
    return PATH_SEPARATOR.join(terminal_safe(title) for title in view.path or ())


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


def plain(text: str, _style: str) -> str:
    return text


def aligned_row(
    cells: Sequence[str],
    widths: Sequence[int],
    cell_width: Callable[[str], int],
    style: Styler,
    row_style: str,
    cell_styles: dict[int, str] | None = None,
) -> str:
    """One row: each cell padded to its width (the first to the right), styled if not empty."""
    parts = []
    for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * (width - cell_width(cell))
        name = (cell_styles or {}).get(index, row_style)
        text = style(cell, name) if cell and name else cell
        parts.append(pad + text if index == 0 else text + pad)
    return "  ".join(parts).rstrip()


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
        line = aligned_row(cells, widths, cell_width, plain, "")
        lines.append(line if width is None else ellipsized(line, width, cell_width))
    return "".join(f"{line}\n" for line in lines)


def local_time(value: datetime) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S")


def change_line(verb: str, view: TaskView) -> str:
    """``Completed task 3: Title`` (terminal-safe)."""
    return f"{verb} task {view.id}: {terminal_safe(view.title)}"
