"""``taskcli add -``: titles from stdin, one per line, added in one transaction."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

import typer

from taskcli.cli._output import write
from taskcli.cli._runtime import run
from taskcli.domain import NewTask
from taskcli.errors import UsageError
from taskcli.validation import validate_title

PROGRESS_THRESHOLD = 1_000


def read_titles(stream: BinaryIO) -> list[str]:
    """Valid titles, blank lines skipped; the first bad line rejects the whole batch."""
    titles = []
    for number, raw in enumerate(stream.read().split(b"\n"), start=1):
        line = raw.decode("utf-8", "surrogateescape").removesuffix("\r")
        if not line.strip():
            continue
        try:
            titles.append(validate_title(line))
        except UsageError as error:
            raise UsageError(f"line {number}: {error}") from None
    return titles


def add_from_stdin(ctx: typer.Context, template: NewTask, *, quiet: bool) -> None:
    """Read every title first (nothing is written on a bad line), then add them all."""
    from taskcli.cli.reporting import report_reopened
    from taskcli.services.writing import add_titles

    titles = read_titles(sys.stdin.buffer)
    with _progress(len(titles)) as on_progress:
        ids, reopened = run(
            ctx, add_titles, write=True, titles=titles, template=template, on_progress=on_progress
        )
    if quiet:
        write("".join(f"{task_id}\n" for task_id in ids))
    else:
        write(f"Created {len(ids)} task{'s' if len(ids) != 1 else ''}{_id_summary(ids)}\n")
    report_reopened(reopened)


def _id_summary(ids: list[int]) -> str:
    if not ids:
        return ""
    if len(ids) <= 5:
        return ": " + ", ".join(map(str, ids))
    return f": {ids[0]} … {ids[-1]}"


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress bar on stderr, only when stderr is a terminal and the input is large."""
    if total < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Adding tasks", total=total)
        yield lambda done: progress.update(task, completed=done)
