"""The vocabulary of ``list``'s options: sort keys, columns and tag filters, read from text.

Kept apart from the value types (``domain``) because these change with the
``list`` command (a new sort key, a new column). The same forms are read by
the ``[list]`` settings of the config file and, for tags, by the filters the
write commands share with ``list``. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from taskcli.errors import UsageError
from taskcli.validation import validate_tag


class SortKey(StrEnum):
    DUE = "due"
    PRIORITY = "priority"
    CREATED = "created"
    ID = "id"
    TITLE = "title"


@dataclass(frozen=True)
class SortOrder:
    """One key of ``--sort``; ``descending`` reverses that key's own order."""

    key: SortKey
    descending: bool = False


DEFAULT_SORT = (SortOrder(SortKey.DUE),)


def parse_sort(text: str) -> tuple[SortOrder, ...]:
    """``due,-priority``: keys in order of importance, ``-`` before a key reverses it.

    Ties left by every key break by id, so the order is always the same.
    """
    orders = []
    for part in text.split(","):
        name = part.strip().lower()
        descending = name.startswith("-")
        try:
            key = SortKey(name.removeprefix("-").strip())
        except ValueError:
            valid = ", ".join(key.value for key in SortKey)
            raise UsageError(
                f"unknown sort key {part.strip()!r}: use {valid} "
                "(comma-separated; '-' before a key reverses it)"
            ) from None
        orders.append(SortOrder(key, descending))
    return tuple(orders)


def parse_tag_filter(texts: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``--tag`` values as (must have, must not have): ``name`` or ``+name``, and ``-name``."""
    required: list[str] = []
    excluded: list[str] = []
    for text in texts:
        word = text.strip()
        if word.startswith("-"):
            excluded.append(validate_tag(word[1:]))
        else:
            required.append(validate_tag(word.removeprefix("+")))
    return tuple(dict.fromkeys(required)), tuple(dict.fromkeys(excluded))


# The columns ``list --columns`` offers, in the order the table shows them by default.
LIST_COLUMNS = (
    "id",
    "status",
    "priority",
    "title",
    "due",
    "tags",
    "progress",
    "path",
    "wait",  # 0.4.0: named with --columns only
    "scheduled",  # 0.4.0: named with --columns only
)


def parse_columns(text: str) -> tuple[str, ...]:
    """``id,title,path``: table columns in the order given (each once)."""
    names = [part.strip().lower() for part in text.split(",")]
    for name in names:
        if name not in LIST_COLUMNS:
            raise UsageError(
                f"unknown column {name!r}: use {', '.join(LIST_COLUMNS)} (comma-separated)"
            )
    return tuple(dict.fromkeys(names))
