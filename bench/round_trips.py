"""Round trips per command on PostgreSQL, counted by a TCP proxy on 127.0.0.1.

    python bench/round_trips.py [--postgres URL] [--delay-ms 0] [--runs 20] [--statement-cache]

A round trip is a turn of the conversation: the client sends, then waits for
the server's answer. The proxy counts each client send that follows server
data (or opens the connection) and can add ``--delay-ms`` each way, as a
network would. Each command runs in its own process, as users run it, against
a fresh database, with the command server off (``TASKCLI_SERVER=0``); wall
times are medians of ``--runs`` runs of ``list`` and ``add``.
``--statement-cache`` turns asyncpg's and SQLAlchemy's prepared statement
caches back on (named statements), to compare with the default.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
COMMANDS = (
    ("add", "first"),
    ("add", "second", "-p", "1", "-t", "x"),
    ("list",),
    ("tree",),
    ("show", "1"),
    ("edit", "2", "--title", "renamed"),
    ("done", "2"),
    ("move", "2", "--root"),
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


def run(url: str, args: tuple[str, ...], cache: bool) -> float:
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
    return elapsed


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
        direct = admin.rpartition("/")[0] + f"/{name}"
        subprocess.run(
            [sys.executable, "-m", "taskcli", "db", "upgrade"],
            env=_environment(direct),
            check=True,
            capture_output=True,
        )
        parts = urlsplit(direct)
        counter = Counter()
        port = start_proxy(
            (parts.hostname or "127.0.0.1", parts.port or 5432), options.delay_ms / 1000, counter
        )
        userinfo = parts.netloc.rpartition("@")[0]
        proxied = urlunsplit(parts._replace(netloc=f"{userinfo}@127.0.0.1:{port}"))
        for args in COMMANDS:
            counter.turns = 0
            elapsed = run(proxied, args, options.statement_cache)
            print(f"{' '.join(args):32} {counter.turns:3} round trips  {elapsed * 1000:6.0f} ms")
        for args in (("list",), ("add", "timed")):
            times = [run(proxied, args, options.statement_cache) for _ in range(options.runs)]
            median_ms = statistics.median(times) * 1000
            print(f"{' '.join(args):32} median of {options.runs}: {median_ms:.0f} ms")
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
