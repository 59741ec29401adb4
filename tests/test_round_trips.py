"""Round trips per command on PostgreSQL, counted by a TCP proxy on 127.0.0.1.

A round trip is one turn of the conversation (the client sends, then waits for
the server's answer); on a network each costs its latency, whatever the
statement. The counts include connecting (2 turns: TLS negotiation and
start-up) and are pinned exactly, so a change that adds a turn is noticed.
The journal's bookkeeping on every write costs no turn of its own: the new
operation travels with the transaction's opening and its closing with COMMIT.

Where the turns went: SQLAlchemy's first-connect questions (10 turns, now
answered from the start-up parameters); ``BEGIN``, the timeouts and the
schema check (5, now one simple query); the journal's two statements (4,
now riding on the opening and on COMMIT); tags and progress as statements
of their own (2 each, now in the selection's statement). Before and after,
with ``bench/round_trips.py --delay-ms 10 --runs 10`` (20 ms per round trip,
``TASKCLI_SERVER=0``): ``add`` 29 -> 9 turns, median 1501 -> 956 ms;
``list`` 25 -> 7 turns, median 1193 -> 781 ms; ``add`` under a parent with a
tag 45 -> 20, ``tree`` 23 -> 9, ``show`` 31 -> 9, ``edit`` 31 -> 9, ``done``
37 -> 14, ``move`` 35 -> 12 (measured before annotations and time intervals
added a statement each to ``show`` and one to ``done``: 13 and 16).

Then: ``add`` reads nothing back (its view is the inserted row, ``RETURNING``:
9 -> 7); under a parent, existence and depth are one statement and the tags
are inserted, found and linked in one (20 -> 12); ``show`` brings the task's
annotations and intervals in the family's statement (13 -> 9); ``done`` stops
running intervals in a CTE of its ``UPDATE`` and checks that the tasks exist
in the statement that checks their subtasks (16 -> 12).
"""

from __future__ import annotations

import importlib.util

import pytest
from support import REPO_ROOT, Cli

EXPECTED = {
    ("add", "first"): 7,
    # The tree lock, the parent (existence and depth), the row, its tags (one statement).
    ("add", "second", "-p", "1", "-t", "x"): 12,
    ("list",): 7,
    ("tree",): 9,
    # The family with the task's annotations, intervals and blocked-by links, then the ancestors.
    ("show", "1"): 9,
    ("edit", "2", "--title", "renamed"): 9,
    # The tree lock: a concurrent ``add --parent`` must not slip pending work under it.
    ("done", "2"): 12,
    ("move", "2", "--root"): 12,
}


def _bench_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "round_trips", REPO_ROOT / "bench" / "round_trips.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def counted(db_url: str) -> tuple[Cli, object]:
    """The CLI talking to the test's PostgreSQL through a counting proxy."""
    from urllib.parse import urlsplit, urlunsplit

    bench = _bench_module()
    parts = urlsplit(db_url)
    counter = bench.Counter()
    port = bench.start_proxy((parts.hostname or "127.0.0.1", parts.port or 5432), 0.0, counter)
    userinfo = parts.netloc.rpartition("@")[0]
    proxied = urlunsplit(parts._replace(netloc=f"{userinfo}@127.0.0.1:{port}"))
    return Cli(url=proxied, env={}), counter


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_round_trips_per_command_are_pinned(counted: tuple[Cli, object]) -> None:
    cli, counter = counted
    found = {}
    for args in EXPECTED:
        counter.turns = 0  # type: ignore[attr-defined]
        cli.ok(*args)
        found[args] = counter.turns  # type: ignore[attr-defined]
    assert found == EXPECTED


# Set by initialize() from questions the start-up reply cannot answer; only
# reflection and isolation-level resets read them, and commands do neither.
_LEFT_UNKNOWN = {"default_schema_name", "default_isolation_level"}
# The per-engine overrides themselves, and objects compared by identity.
_NOT_STATE = {
    "initialize",
    "get_default_isolation_level",
    "dbapi",
    "loaded_dbapi",
    "identifier_preparer",
    "type_compiler",
    "type_compiler_instance",
    "_type_memos",
}


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_dialect_state_equals_what_initialize_computes(db_url: str) -> None:
    """Answering first-connect from start-up parameters sets what asking would have set."""
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from taskcli.config import parse_database_url
    from taskcli.db.engine import make_engine, sqlalchemy_url

    async def dialects() -> tuple[dict[str, object], dict[str, object]]:
        url = parse_database_url(db_url)
        fast = make_engine(url, lock_timeout=5.0)
        full = create_async_engine(sqlalchemy_url(url), poolclass=NullPool)
        try:
            for engine in (fast, full):
                async with engine.connect():
                    pass
            return vars(fast.dialect), vars(full.dialect)
        finally:
            await fast.dispose()
            await full.dispose()

    fast, full = asyncio.run(dialects())
    assert full["server_version_info"] is not None
    assert all(fast[name] is None for name in _LEFT_UNKNOWN)
    assert all(full[name] is not None for name in _LEFT_UNKNOWN)
    ignored = _LEFT_UNKNOWN | _NOT_STATE
    assert {k: v for k, v in fast.items() if k not in ignored} == {
        k: v for k, v in full.items() if k not in ignored
    }


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_operation_sent_as_text_keeps_any_command_line(cli: Cli, db_url: str) -> None:
    """The new operation travels as SQL text: quotes and backslashes arrive as typed."""
    import shlex

    from support import execute

    title = "it's a \\'; DROP TABLE task; -- \\\\ $taskcli$ ü"
    cli.ok("add", title)
    [[(command,)]] = execute(db_url, "SELECT command FROM operation")
    assert command == shlex.join(["taskcli", "add", title])
    assert cli.ok("list", "-f", "json").stdout.count("DROP TABLE") == 1
    cli.ok("undo")
    assert execute(db_url, "SELECT count(*) FROM task") == [[(0,)]]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("command", [("add", "new", "-t", "shared"), ("edit", "1", "-t", "shared")])
def test_a_tag_created_meanwhile_by_another_transaction_is_linked(
    cli: Cli, db_url: str, command: tuple[str, ...]
) -> None:
    """The one tag statement waits for a concurrent creator of the same name and, once it
    commits, does not see the row in its snapshot: the statement runs again and links it."""
    import asyncio
    import json
    import time

    import asyncpg
    from support import start_subprocess

    cli.ok("add", "existing")

    async def race() -> tuple[int, str]:
        creator, watcher = await asyncpg.connect(db_url), await asyncpg.connect(db_url)
        try:
            transaction = creator.transaction()
            await transaction.start()
            await creator.execute("INSERT INTO tag (name) VALUES ('shared')")
            process = start_subprocess(db_url, command)
            deadline = time.monotonic() + 60
            # pg_stat_activity holds still within a transaction: the watcher is outside it.
            while not await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'taskcli' "
                "AND wait_event_type = 'Lock' AND datname = current_database()"
            ):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the command never waited for the tag"
                await asyncio.sleep(0.1)
            await transaction.commit()
            _, stderr = process.communicate(timeout=60)
            return process.returncode, stderr
        finally:
            await creator.close()
            await watcher.close()

    assert asyncio.run(race()) == (0, "")
    shown = json.loads(cli.ok("list", "-f", "json").stdout)
    tagged = {task["title"]: task["tags"] for task in shown}
    assert tagged[command[1] if command[0] == "add" else "existing"] == ["shared"]
    from support import execute

    assert execute(db_url, "SELECT count(*) FROM tag WHERE name = 'shared'") == [[(1,)]]
