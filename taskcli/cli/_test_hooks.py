"""Pauses that crash and signal tests use; active only with ``TASKCLI_TESTING=1``."""

from __future__ import annotations

import os
import sys


async def pause_before_commit() -> None:
    """Crash tests kill the process here, with every write done and nothing committed.

    Active only with ``TASKCLI_TESTING=1`` and ``TASKCLI_TEST_PAUSE_BEFORE_COMMIT=<seconds>``.
    """
    if os.environ.get("TASKCLI_TESTING") != "1":
        return
    seconds = os.environ.get("TASKCLI_TEST_PAUSE_BEFORE_COMMIT")
    if seconds:
        import asyncio

        sys.stderr.write("taskcli-test: paused before commit\n")
        sys.stderr.flush()
        await asyncio.sleep(float(seconds))


async def pause_after_commit() -> None:
    """Signal tests interrupt the process here, just after COMMIT returned."""
    await pause("TASKCLI_TEST_PAUSE_AFTER_COMMIT", "paused after commit")


async def pause(variable: str, marker: str) -> None:
    """Wait ``$variable`` seconds, announced on stderr; only with ``TASKCLI_TESTING=1``."""
    if os.environ.get("TASKCLI_TESTING") != "1":
        return
    seconds = os.environ.get(variable)
    if seconds:
        import asyncio

        sys.stderr.write(f"taskcli-test: {marker}\n")
        sys.stderr.flush()
        await asyncio.sleep(float(seconds))
