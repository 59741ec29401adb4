"""What journaling costs: the same commands with the journal on and off.

    python bench/journal_cost.py [--runs 5] [--postgres URL] [--no-postgres]

On a 10,000-task dataset (bench/datasets.py) it times whole processes of
``add x``, ``done -r`` on a subtree of about 100 tasks, and ``add -`` of
10,000 lines, each on a fresh copy of the database, alternating
``TASKCLI_JOURNAL=1`` and ``=0`` run by run so that a noisy machine slows
both alike. Prints medians and the extra time in per cent.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import generate
from pg import temporary_database

from taskcli.config import parse_database_url

SIZE = 10_000
SUBTREE = 100


def taskcli() -> list[str]:
    script = Path(sys.executable).with_name("taskcli")
    return [str(script)] if script.exists() else [sys.executable, "-m", "taskcli"]


def timed(args: list[str], url: str, journal: str, stdin: Path | None) -> float:
    env = {**os.environ, "TASKCLI_DATABASE_URL": url, "TASKCLI_JOURNAL": journal}
    with open(stdin or os.devnull, "rb") as source:
        started = time.perf_counter()
        subprocess.run(
            [*taskcli(), *args],
            env=env,
            stdin=source,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=True,
            timeout=600,
        )
        return time.perf_counter() - started


async def _root_near(url: str, size: int) -> int:
    """A task whose subtree holds about ``size`` tasks (itself included)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from taskcli.db.engine import sqlalchemy_url

    engine = create_async_engine(sqlalchemy_url(parse_database_url(url)))
    query = text(
        "WITH RECURSIVE sub(root, id) AS (SELECT id, id FROM task"
        " UNION ALL SELECT sub.root, task.id FROM task JOIN sub ON task.parent_id = sub.id)"
        " SELECT root FROM sub GROUP BY root ORDER BY abs(count(*) - :size), root LIMIT 1"
    )
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(query, {"size": size})).scalar_one())
    finally:
        await engine.dispose()


def backends(
    args: argparse.Namespace, scratch: Path
) -> Iterator[tuple[str, str, Callable[[], object]]]:
    template = scratch / "template.db"
    generate(parse_database_url(f"sqlite:///{template}"), SIZE)

    @contextmanager
    def sqlite_copy() -> Iterator[str]:
        target = scratch / "run.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"

    yield "sqlite", f"sqlite:///{template}", sqlite_copy
    if args.no_postgres:
        return
    with temporary_database(args.postgres) as pg_template:
        generate(parse_database_url(pg_template), SIZE)
        name = pg_template.rpartition("/")[2]
        yield "postgresql", pg_template, lambda: temporary_database(args.postgres, template=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print("| backend | command | journal on (ms) | journal off (ms) | extra |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        lines = scratch / "lines.txt"
        lines.write_text("".join(f"bulk line {n}\n" for n in range(SIZE)))
        for backend, template_url, fresh in backends(args, scratch):
            root = asyncio.run(_root_near(template_url, SUBTREE))
            commands = {
                "add x": (["add", "x"], None),
                f"done {root} -r": (["done", str(root), "-r"], None),
                "add - (10,000 lines)": (["add", "-", "-q"], lines),
            }
            for label, (argv, stdin) in commands.items():
                timings: dict[str, list[float]] = {"1": [], "0": []}
                for _ in range(args.runs):
                    for journal in ("1", "0"):
                        with fresh() as url:  # type: ignore[attr-defined]
                            timings[journal].append(timed(argv, url, journal, stdin))
                on, off = (statistics.median(timings[j]) * 1000 for j in ("1", "0"))
                extra = 100 * (on - off) / off
                print(
                    f"| {backend} | `{label}` | {on:.0f} | {off:.0f} | {extra:+.1f}% |", flush=True
                )


if __name__ == "__main__":
    main()
