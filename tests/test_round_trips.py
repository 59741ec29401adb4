"""Round trips per command on PostgreSQL, counted by a TCP proxy on 127.0.0.1.

A round trip is one turn of the conversation (the client sends, then waits for
the server's answer); on a network each costs its latency, whatever the
statement. The counts include connecting (2 turns: TLS negotiation and
start-up) and are pinned exactly, so a change that adds a turn is noticed.
The journal's bookkeeping on every write is one statement when the
operation opens and one when it closes.
"""

from __future__ import annotations

import importlib.util

import pytest
from support import REPO_ROOT, Cli

EXPECTED = {
    ("add", "first"): 29,
    ("add", "second", "-p", "1", "-t", "x"): 45,
    ("list",): 25,
    ("tree",): 23,
    # One statement more since 0.3.0: the task's annotations (prepare and execute).
    ("show", "1"): 33,
    ("edit", "2", "--title", "renamed"): 31,
    # The tree lock: a concurrent ``add --parent`` must not slip pending work under it.
    ("done", "2"): 37,
    ("move", "2", "--root"): 35,
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
