"""Which way of loading a whole forest is faster: per-level ``selectinload``,
one flat query assembled in memory, or the stream ``tree -f json`` uses (shape
first, shown rows in output order, written as they arrive)? Prints medians of
in-process timings and the statements each issues.

    python bench/tree_loading.py [--sizes 10000 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import generate
from pg import temporary_database
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import selectinload

from taskcli.config import DatabaseUrl, parse_database_url
from taskcli.db.engine import make_engine, session_scope
from taskcli.domain import MAX_DEPTH
from taskcli.models import Task
from taskcli.render_records import TreeJsonWriter
from taskcli.services.reading import get_tree, stream_forest

RUNS = 5


async def load_flat(session: Any) -> int:
    nodes = await get_tree(session, root_id=None, depth=None, include_done=True)
    return len(nodes)


async def load_streamed(session: Any) -> int:
    """Renders too (into a counter), so it is a little more work than the others."""
    written = 0

    def out(text: str) -> None:
        nonlocal written
        written += len(text)

    writer = TreeJsonWriter(out)
    await stream_forest(session, depth=None, include_done=True, sink=writer.node)
    writer.finish()
    return written


async def load_selectin(session: Any) -> int:
    statement = (
        select(Task)
        .where(Task.parent_id.is_(None))  # type: ignore[union-attr]
        .options(
            selectinload(Task.children, recursion_depth=MAX_DEPTH),  # type: ignore[arg-type]
            selectinload(Task.tags),  # type: ignore[arg-type]
        )
    )
    roots = list((await session.exec(statement)).all())
    return len(roots)


async def measure(
    database: DatabaseUrl, loader: Callable[[Any], Awaitable[int]]
) -> tuple[float, int]:
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    timings = []
    for _ in range(RUNS + 1):
        engine = make_engine(database, lock_timeout=30)
        statements = 0
        event.listen(Engine, "before_cursor_execute", count)
        try:
            started = time.perf_counter()
            async with session_scope(engine, write=False) as session:
                await loader(session)
            timings.append(time.perf_counter() - started)
        finally:
            event.remove(Engine, "before_cursor_execute", count)
            await engine.dispose()
    return statistics.median(timings[1:]), statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    header = ("backend", "tasks", "flat (ms)", "statements", "selectinload (ms)", "statements")
    header += ("streamed + JSON (ms)", "statements")
    print("| " + " | ".join((*header, "ratio")) + " |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        with (
            tempfile.TemporaryDirectory() as directory,
            temporary_database(args.postgres) as pg_url,
        ):
            for name, url in (("sqlite", f"sqlite:///{directory}/b.db"), ("postgresql", pg_url)):
                database = parse_database_url(url)
                generate(database, size)
                flat, flat_statements = asyncio.run(measure(database, load_flat))
                selectin, selectin_statements = asyncio.run(measure(database, load_selectin))
                streamed, streamed_statements = asyncio.run(measure(database, load_streamed))
                print(
                    f"| {name} | {size:,} | {flat * 1000:.0f} | {flat_statements} | "
                    f"{selectin * 1000:.0f} | {selectin_statements} | "
                    f"{streamed * 1000:.0f} | {streamed_statements} | {selectin / flat:.2f}x |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
