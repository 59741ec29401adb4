"""Ctrl-C before a command touches anything: one line and exit, never a traceback.

While taskcli starts up it imports a great deal; a ``KeyboardInterrupt``
raised then can land inside one of importlib's weakref callbacks, where
CPython prints "Exception ignored ... Traceback" and goes on to run the
command. So ``main`` starts with a handler that exits at once (nothing has
been touched yet), and whatever is about to touch a file or the database
calls ``interrupts_roll_back`` first: from there Ctrl-C raises
``KeyboardInterrupt``, which rolls the transaction back and removes
temporary files on its way out.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from types import FrameType

EXIT_INTERRUPTED = 130


def exit_on_interrupt_while_starting() -> None:
    signal.signal(signal.SIGINT, _interrupted_while_starting)


def interrupts_roll_back() -> None:
    """Put Python's own Ctrl-C handler back, if the start-up one is still in place."""
    if threading.current_thread() is threading.main_thread() and (
        signal.getsignal(signal.SIGINT) is _interrupted_while_starting
    ):
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _interrupted_while_starting(_number: int, _frame: FrameType | None) -> None:
    with contextlib.suppress(OSError):
        os.write(2, b"Error: interrupted; no changes were made\n")
    os._exit(EXIT_INTERRUPTED)
