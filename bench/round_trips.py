"""Round trips and wall time per command on PostgreSQL, through a counting proxy on 127.0.0.1.

    python bench/round_trips.py [--postgres URL] [--delay-ms 0] [--runs 20] [--statement-cache]

A round trip is a turn of the conversation: the client sends, then waits for
the server's answer. The proxy counts each client send that follows server
data (or opens the connection) and can add ``--delay-ms`` each way, as a
network would (``--delay-ms 10``: 20 ms per round trip). Each command runs in
its own process, as users run it, against one fresh database, with the command
server off (``TASKCLI_SERVER=0``). Every command is run ``--runs`` times; a
command that consumes its task (``done``, ``rm``, ``undo`` ...) gets a fresh one
each run from untimed set-up commands that bypass the proxy. It prints a
Markdown table: the round trips of each run (connecting included) and the
median wall time. ``--statement-cache`` turns asyncpg's and SQLAlchemy's
prepared statement caches back on (named statements), to compare with the
default.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
#: The tasks every run finds: 1 "root" and its subtask 2 "child".
SETUP: tuple[tuple[str, ...], ...] = (("add", "root"), ("add", "child", "-p", "1"))
OUTLINE = "- [ ] small import\n  - [ ] one\n  - [ ] two\n- [ ] three\n- [ ] four\n"
NEW = "{new}"
#: (label, untimed set-up commands, timed command). ``{new}`` is the id the
#: first set-up command printed (``add -q``); ``{outline}`` a five-task outline file.
COMMANDS: tuple[tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...]], ...] = (
    ("add", (), ("add", "first")),
    ("add under a parent, with a tag", (), ("add", "second", "-p", "1", "-t", "x")),
    ("list", (), ("list",)),
    ("tree", (), ("tree",)),
    ("show", (), ("show", "1")),
    ("edit", (), ("edit", "2", "--title", "renamed")),
    ("done", (("add", "to do", "-q"),), ("done", NEW)),
    ("move", (("add", "to move", "-q", "-p", "1"),), ("move", NEW, "--root")),
    ("rm", (("add", "to remove", "-q"),), ("rm", "-y", NEW)),
    ("undo", (("add", "to undo", "-q"),), ("undo",)),
    ("annotate", (), ("annotate", "2", "a note")),
    ("start", (("add", "to start", "-q"),), ("start", NEW)),
    ("stop", (("add", "to stop", "-q"), ("start", NEW)), ("stop", NEW)),
    ("export", (), ("export",)),
    ("import (5 tasks, outline)", (), ("import", "--outline", "{outline}")),
)
CACHE_ON = """
import taskcli.db.engine as engine
_arguments = engine._asyncpg_arguments
def _cached(parameters, timeout):
    arguments = _arguments(parameters, timeout)
    del arguments["statement_cache_size"], arguments["prepared_statement_name_func"]
    return arguments
engine._asyncpg_arguments = _cached
import sqlalchemy.engine.url as u
u.URL.update_query_dict = lambda self, d, append=False: self
"""


class Counter:
    def __init__(self) -> None:
        self.turns = 0


def start_proxy(target: tuple[str, int], delay: float, counter: Counter) -> int:
    """Run the counting proxy in a thread; return its port."""
    ready: list[int] = []
    started = threading.Event()

    async def pipe(reader, writer, client: bool, state: dict[str, bool]) -> None:  # type: ignore[no-untyped-def]
        try:
            while data := await reader.read(65536):
                if client and state["server_spoke"]:
                    counter.turns += 1
                    state["server_spoke"] = False
                if not client:
                    state["server_spoke"] = True
                if delay:
                    await asyncio.sleep(delay)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def handle(client_reader, client_writer) -> None:  # type: ignore[no-untyped-def]
        server_reader, server_writer = await asyncio.open_connection(*target)
        state = {"server_spoke": True}
        await asyncio.gather(
            pipe(client_reader, server_writer, True, state),
            pipe(server_reader, client_writer, False, state),
        )

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        ready.append(server.sockets[0].getsockname()[1])
        started.set()
        await server.serve_forever()

    threading.Thread(target=asyncio.run, args=(main(),), daemon=True).start()
    started.wait()
    return ready[0]


def _environment(url: str) -> dict[str, str]:
    # The server off: one started from another checkout could answer for this one.
    return {
        **os.environ,
        "TASKCLI_SERVER": "0",
        "TASKCLI_DATABASE_URL": url,
        "PYTHONPATH": str(REPO),
    }


def run(url: str, args: tuple[str, ...], cache: bool = False) -> tuple[float, str]:
    """Run one command in its own process: (wall time, stdout); a failure stops the benchmark."""
    code = (CACHE_ON if cache else "") + (
        "import sys; sys.argv[0] = 'taskcli'; from taskcli.main import main; main()"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=_environment(url),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{args}: exit {result.returncode}: {result.stderr}")
    return elapsed, result.stdout


def _filled(args: tuple[str, ...], values: dict[str, str]) -> tuple[str, ...]:
    return tuple(values.get(arg, arg) for arg in args)


def measure(
    direct: str, proxied: str, counter: Counter, options: argparse.Namespace, outline: str
) -> list[tuple[str, list[int], float]]:
    """Each command ``--runs`` times: (label, round trips of each run, median seconds)."""
    results = []
    for label, setup, timed in COMMANDS:
        turns: list[int] = []
        times: list[float] = []
        for _ in range(options.runs):
            values = {"{outline}": outline}
            for index, args in enumerate(setup):
                printed = run(direct, _filled(args, values))[1].strip()
                if index == 0:
                    values[NEW] = printed
            counter.turns = 0
            elapsed, _ = run(proxied, _filled(timed, values), options.statement_cache)
            turns.append(counter.turns)
            times.append(elapsed)
        results.append((label, turns, statistics.median(times)))
    return results


def report(results: list[tuple[str, list[int], float]], options: argparse.Namespace) -> None:
    rtt = 2 * options.delay_ms
    print(
        f"| command | round trips | median of {options.runs} at {rtt:g} ms per round trip |\n"
        "|---|---:|---:|"
    )
    for label, turns, median in results:
        low, high = min(turns), max(turns)
        count = f"{low}" if low == high else f"{low}-{high}"
        print(f"| `{label}` | {count} | {median * 1000:.0f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--statement-cache", action="store_true")
    options = parser.parse_args()
    admin = options.postgres
    name = f"taskcli_rt_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        with tempfile.TemporaryDirectory() as scratch:
            outline = Path(scratch) / "small.md"
            outline.write_text(OUTLINE, encoding="utf-8")
            direct = admin.rpartition("/")[0] + f"/{name}"
            for args in (("db", "upgrade"), *SETUP):
                run(direct, args)
            parts = urlsplit(direct)
            counter = Counter()
            port = start_proxy(
                (parts.hostname or "127.0.0.1", parts.port or 5432),
                options.delay_ms / 1000,
                counter,
            )
            userinfo = parts.netloc.rpartition("@")[0]
            proxied = urlunsplit(parts._replace(netloc=f"{userinfo}@127.0.0.1:{port}"))
            report(measure(direct, proxied, counter, options, str(outline)), options)
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
