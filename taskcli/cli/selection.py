"""Task ids as typed: plain ids, inclusive ranges (``3-7``) and ``-`` (ids from stdin),
alone or with ``--where-*`` filters (a ``Selection``).

Everything is parsed and checked before the command touches the database, so a
bad token exits 2 with nothing changed. Stdlib only: ``--help`` stays instant.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from taskcli.domain import TaskFilter, validate_task_id
from taskcli.errors import UsageError

if TYPE_CHECKING:
    from taskcli.services.targets import Selection

# A range bigger than this is almost surely a typo (``3-70000`` for ``3-7``).
MAX_RANGE = 10_000
# Ids per command: each goes into one ``IN (...)``, well under SQLite's and asyncpg's limits.
MAX_IDS = 10_000
STDIN = "-"

_ID = re.compile(r"[0-9]+")
_RANGE = re.compile(r"([0-9]+)-([0-9]+)")


def parse_id_token(token: str) -> list[int]:
    """One command-line token: ``7`` or ``3-7`` (inclusive, low to high)."""
    if _ID.fullmatch(token):
        return [_checked(int(token), token)]
    if match := _RANGE.fullmatch(token):
        low, high = (_checked(int(part), token) for part in match.groups())
        if low > high:
            raise UsageError(f"reversed range {token!r}: write it low to high ({high}-{low})")
        if high - low + 1 > MAX_RANGE:
            raise UsageError(f"range {token!r} has {high - low + 1} ids; at most {MAX_RANGE}")
        return list(range(low, high + 1))
    raise UsageError(f"{token!r} is not a task id: give ids (7), ranges (3-7) or - for stdin")


def read_stdin_ids(text: str) -> list[int]:
    """Ids from stdin, one per line or separated by whitespace (ranges allowed too)."""
    return [task_id for token in text.split() for task_id in parse_id_token(token)]


def select_ids(tokens: Iterable[str], read_stdin: Callable[[], str] | None = None) -> list[int]:
    """The ids the tokens name, each once, in the order first named."""
    ids: list[int] = []
    stdin_used = False
    for token in tokens:
        if token == STDIN:
            if stdin_used:
                raise UsageError("'-' (ids from stdin) may be given only once")
            stdin_used = True
            ids += read_stdin_ids((read_stdin or _read_stdin)())
        else:
            ids += parse_id_token(token)
    if not ids:
        raise UsageError("no task ids given" + (" (stdin was empty)" if stdin_used else ""))
    unique = list(dict.fromkeys(ids))
    if len(unique) > MAX_IDS:
        raise UsageError(f"{len(unique)} task ids given; at most {MAX_IDS} per command")
    return unique


def selection_of(tokens: list[str] | None, where: TaskFilter | None) -> Selection:
    """Ids as typed and the filter: ids alone, a filter alone (every match), or both (AND)."""
    from taskcli.services.targets import Selection

    if where is None:
        if not tokens:
            raise UsageError("no task ids given: give ids, ranges (3-7), - or --where-* filters")
        return Selection(ids=tuple(select_ids(tokens)))
    ids = tuple(select_ids(tokens)) if tokens else ()
    return Selection(ids=ids, task_filter=where, now=datetime.now().astimezone())


def _checked(value: int, token: str) -> int:
    try:
        return validate_task_id(value)
    except UsageError as error:
        raise UsageError(f"{token!r}: {error}") from None


def _read_stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("'-' reads ids from stdin, but stdin is a terminal; pipe ids in")
    return sys.stdin.buffer.read().decode("utf-8", "replace")
