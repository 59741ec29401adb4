"""Who is who in a shared database: the journal's user and who may undo what."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from pgroles import as_role, login_roles
from support import Cli

ALICE_LOGIN = {"USER": "alice", "LOGNAME": "alice"}
BOB_LOGIN = {"USER": "bob", "LOGNAME": "bob"}
SHARED_LOGIN = {"USER": "team", "LOGNAME": "team"}


@pytest.fixture
def make_role(pg_migrated_url: str, db_url: str) -> Iterator[Callable[..., str]]:
    with login_roles(pg_migrated_url) as make:
        yield make


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_roles_under_one_login_undo_only_their_own(
    db_url: str, make_role: Callable[..., str]
) -> None:
    """One shared OS login, a role per person: each undo reaches only that role's commands."""
    alice = Cli(url=as_role(db_url, make_role("alice")), env=SHARED_LOGIN)
    bob = Cli(url=as_role(db_url, make_role("bob")), env=SHARED_LOGIN)
    alice.ok("add", "alice's")
    bob.ok("add", "bob's")
    alice.ok("undo")
    assert alice.ok("list", "-f", "ids").stdout == "2\n"
    assert alice.ok("undo").stderr == "Nothing to undo.\n"
    bob.ok("undo")
    assert alice.ok("list", "-f", "ids").stdout == ""


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_changing_logname_does_not_reach_another_roles_commands(
    db_url: str, make_role: Callable[..., str]
) -> None:
    """``LOGNAME=bob`` under role alice is not bob: bob's command stays bob's."""
    bob_role, alice_role = make_role("bob"), make_role("alice")
    Cli(url=as_role(db_url, bob_role), env=BOB_LOGIN).ok("add", "bob's")
    pretender = Cli(url=as_role(db_url, alice_role), env=BOB_LOGIN)
    assert pretender.ok("undo").stderr == "Nothing to undo.\n"
    log = json.loads(pretender.ok("log", "-f", "json").stdout)
    assert [entry["user"] for entry in log] == [f"bob@{bob_role}"]


def test_log_shows_who_ran_an_undo_and_a_redo(cli: Cli, backend: str) -> None:
    """Undo and redo each leave a line naming who ran them; neither is itself undoable."""
    cli.ok("add", "first")
    nothing = cli("undo", env=ALICE_LOGIN)  # alice has nothing of her own: no log line either
    assert (nothing.exit_code, nothing.stderr) == (0, "Nothing to undo.\n")
    alice = Cli(url=cli.url, env=ALICE_LOGIN)
    alice.ok("add", "second")
    alice.ok("undo")
    alice.ok("redo")
    log = json.loads(alice.ok("log", "-f", "json").stdout)
    user = "alice" if backend == "sqlite" else "alice@postgres"
    assert [(e["user"], e["command"], e["state"]) for e in log[:3]] == [
        (user, "taskcli redo (redid operation 2)", "discarded"),
        (user, "taskcli undo (undid operation 2)", "discarded"),
        (user, "taskcli add second", "applied"),
    ]
    alice.ok("undo")  # undoes "add second" again, not a log line
    assert alice.ok("list", "-f", "ids").stdout == "1\n"
    assert "alice" in alice.ok("log").stdout
