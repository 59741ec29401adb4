"""Fitting lines to a terminal's width: which parts shrink, in what order. No Rich.

A view names its parts' natural widths and the order in which they give way
(tags before titles, optional columns before the title's last characters);
``fit`` applies those steps only as far as needed, so on a wide terminal
nothing changes and on a narrow one the title is cut last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

CellWidth = Callable[[str], int]
Step = tuple[str, int]
"""(part, floor): shrink ``part`` towards ``floor`` cells; a floor of 0 drops it."""

ELLIPSIS = "…"


def ellipsized(text: str, width: int, cell_width: CellWidth = len) -> str:
    """``text`` in at most ``width`` cells, cut at the end with ``…`` when it is longer."""
    if cell_width(text) <= width:
        return text
    if width <= 0:
        return ""
    cut = text[:width]  # a character takes at least one cell (zero-width ones aside)
    while cut and cell_width(cut) > width - 1:
        cut = cut[:-1]
    return cut + ELLIPSIS


def fit(
    widths: Mapping[str, int], width: int, steps: Sequence[Step], *, gap: int
) -> dict[str, int]:
    """The parts' widths after just enough of ``steps`` for them to fit in ``width``.

    Parts are laid out in order with ``gap`` cells between them. A dropped part
    is left out of the result, and the steps start over without it, so what
    it freed goes back to the parts shrunk before. The result may still be
    too wide when the steps run out (fixed parts alone overflow).
    """
    sized = dict(widths)

    def overflow() -> int:
        return sum(sized.values()) + gap * max(len(sized) - 1, 0) - width

    for name, floor in steps:
        excess = overflow()
        if excess <= 0:
            break
        if name not in sized or sized[name] <= floor:
            continue
        if floor == 0:
            rest = {part: size for part, size in widths.items() if part != name}
            return fit(rest, width, steps, gap=gap)
        sized[name] = max(floor, sized[name] - excess)
    return sized
