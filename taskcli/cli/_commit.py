"""Whether this process has committed a change, and signals held once it commits.

A Ctrl-C or SIGTERM that arrives while COMMIT runs, or after it, must not
make the user believe nothing happened: from just before the commit to the
end of the process such signals are recorded instead of acted on, so the
command finishes and prints what it did. Only an interrupt before the commit
rolls back and says "no changes were made".
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _State:
    committed = False
    holding = False
    held: list[int] = []  # noqa: RUF012  (one process-wide record)


def hold_signals() -> None:
    """From now on SIGINT and SIGTERM are recorded, not acted on (main thread only)."""
    if _State.holding or threading.current_thread() is not threading.main_thread():
        return
    for number in HELD_SIGNALS:
        signal.signal(number, _record)
    _State.holding = True


def _record(number: int, _frame: FrameType | None) -> None:
    _State.held.append(number)


def mark_committed() -> None:
    _State.committed = True


def committed() -> bool:
    return _State.committed


def output_failure(reason: str) -> str:
    """The ``Error:`` text for output that could not be written, saying if a change was kept."""
    if _State.committed:
        return f"the change was committed, but its output could not be written: {reason}"
    return f"cannot write output: {reason}"


def interrupted_message() -> str:
    """What to say on Ctrl-C: only a rolled-back change may say nothing was changed."""
    if _State.committed:
        return "interrupted after the change was committed; its output may be incomplete"
    return "interrupted; no changes were made"
