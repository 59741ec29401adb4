"""Writers on one SQLite file take turns through a lock file next to it.

SQLite's busy handler polls with growing sleeps, so a writer that is asleep
when the lock frees up loses to whoever asks next; under load one process can
lose for the whole lock timeout. Blocking on ``flock`` instead wakes waiters
the moment the holder is done. Readers never take this lock. When the lock
file cannot be used (read-only directory, another user's file, not a regular
file) writers fall back to the busy handler alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import stat
import threading
from pathlib import Path

from taskcli.errors import DatabaseLocked

LOCK_SUFFIX = ".lock"
LOCK_FILE_MODE = 0o600


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + LOCK_SUFFIX)


def open_lock_file(database: Path) -> int | None:
    """A descriptor on ``<database>.lock`` (created 0600), or None to fall back."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        descriptor = os.open(lock_path(database), flags, LOCK_FILE_MODE)
    except OSError:
        return None
    try:
        regular = stat.S_ISREG(os.fstat(descriptor).st_mode)
    except OSError:
        regular = False
    if not regular:
        os.close(descriptor)
        return None
    return descriptor


async def wait_for_turn(descriptor: int, seconds: float) -> None:
    """Block until this process holds the writer lock; ``DatabaseLocked`` after ``seconds``.

    The blocking ``flock`` runs in a daemon thread on a duplicate descriptor,
    so that the wait is bounded and an abandoned wait never keeps the process
    alive: once the caller has closed its descriptor, a lock the thread gets
    late is released again when the thread closes the duplicate.
    """
    if _try_lock(descriptor):
        return
    acquired = _lock_in_thread(descriptor)
    try:
        await asyncio.wait_for(asyncio.shield(acquired), seconds)
    except TimeoutError:
        acquired.cancel()
        raise DatabaseLocked(
            f"database is busy (locked by another process for more than {seconds:g}s)"
        ) from None


def _lock_in_thread(descriptor: int) -> asyncio.Future[None]:
    """A future settled (with the lock, or the error) once a daemon thread's blocking
    ``flock`` on a duplicate of ``descriptor`` returns."""
    loop = asyncio.get_running_loop()
    acquired: asyncio.Future[None] = loop.create_future()

    def settle(error: BaseException | None) -> None:
        if acquired.done():
            return
        if error is None:
            acquired.set_result(None)
        else:
            acquired.set_exception(error)

    duplicate = os.dup(descriptor)

    def block() -> None:
        try:
            fcntl.flock(duplicate, fcntl.LOCK_EX)
        except BaseException as error:  # reported to the waiting coroutine
            _call_soon(loop, settle, error)
        else:
            _call_soon(loop, settle, None)
        finally:
            os.close(duplicate)

    threading.Thread(target=block, name="taskcli-writer-queue", daemon=True).start()
    return acquired


def release(descriptor: int) -> None:
    """Give up the turn (closing the descriptor releases the lock)."""
    with contextlib.suppress(OSError):
        os.close(descriptor)


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _call_soon(loop: asyncio.AbstractEventLoop, callback: object, *args: object) -> None:
    # RuntimeError: the loop is gone, the command already gave up waiting.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)  # type: ignore[arg-type]
