"""Real TLS: a cluster that accepts only encrypted connections, reached through the CLI.

Every command runs ``python -m taskcli`` in a subprocess (through the command
server under ``TASKCLI_TEST_VIA_SERVER=1``), as users do.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgtls import CERT_ROLE, OWNER, TlsCluster, running_tls_cluster
from support import run_subprocess


@pytest.fixture(scope="module")
def cluster() -> Iterator[TlsCluster]:
    """Started once for this module; the schema is created by its owner over TLS."""
    with running_tls_cluster() as started:
        upgrade = taskcli(started.url(sslmode="require"), "db", "upgrade")
        assert upgrade.returncode == 0, upgrade.stderr
        started.psql(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {CERT_ROLE}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {CERT_ROLE}",
        )
        yield started


@pytest.fixture
def tls(cluster: TlsCluster) -> TlsCluster:
    """The cluster with no tasks left by an earlier test."""
    cluster.psql("TRUNCATE task_tag, task, tag, change, operation RESTART IDENTITY CASCADE")
    return cluster


def taskcli(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_subprocess(list(args), env={"TASKCLI_DATABASE_URL": url, **env}, timeout=120)


def one_error_line(result: subprocess.CompletedProcess[str], exit_code: int = 3) -> str:
    """The exit code, nothing on stdout, exactly one ``Error:`` line on stderr."""
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    return lines[0]


def titles(url: str) -> list[str]:
    listed = taskcli(url, "list", "-f", "json")
    assert listed.returncode == 0, listed.stderr
    return [task["title"] for task in json.loads(listed.stdout)]


def test_verify_full_with_the_team_root_certificate(tls: TlsCluster) -> None:
    """The server's certificate is checked against the given root and the host name."""
    url = tls.url(sslmode="verify-full", sslrootcert=str(tls.root_cert))
    added = taskcli(url, "add", "over TLS", "-t", "team")
    assert added.returncode == 0, added.stderr
    assert titles(url) == ["over TLS"]
    assert taskcli(url, "done", "1").returncode == 0
    tree = taskcli(url, "tree", "--all")
    assert tree.returncode == 0, tree.stderr
    assert "over TLS" in tree.stdout


def test_certificate_paths_may_start_with_the_home_directory(
    tls: TlsCluster, tmp_path: Path
) -> None:
    """``~/`` in ``sslrootcert``, ``sslcert`` and ``sslkey`` is the user's home directory."""
    home = tmp_path / "alice"
    (home / ".postgresql").mkdir(parents=True)
    for source, name in (
        (tls.root_cert, "team-ca.crt"),
        (tls.client_cert, "alice.crt"),
        (tls.client_key, "alice.key"),
    ):
        shutil.copy(source, home / ".postgresql" / name)
    query = (
        "sslmode=verify-full&sslrootcert=~/.postgresql/team-ca.crt"
        "&sslcert=~/.postgresql/alice.crt&sslkey=~/.postgresql/alice.key"
    )
    url = f"{tls.url(CERT_ROLE, None)}?{query}"
    added = run_subprocess(
        ["add", "from home"], env={"TASKCLI_DATABASE_URL": url, "HOME": str(home)}
    )
    assert added.returncode == 0, added.stderr


def test_verify_full_checks_the_host_name(tls: TlsCluster) -> None:
    """The certificate names 127.0.0.1, not ``localhost``: verify-full refuses, verify-ca
    (the chain only) connects."""
    root = str(tls.root_cert)
    refused = taskcli(tls.url(host="localhost", sslmode="verify-full", sslrootcert=root), "list")
    line = one_error_line(refused)
    assert line.startswith(f"Error: cannot connect to postgresql://{OWNER}:***@localhost:"), line
    assert "certificate verify failed" in line, line
    url = tls.url(host="localhost", sslmode="verify-ca", sslrootcert=root)
    assert taskcli(url, "add", "chain checked").returncode == 0
    assert titles(url) == ["chain checked"]


@pytest.mark.parametrize("mode", ["verify-full", "verify-ca", "require"])
def test_an_unrelated_root_certificate_is_refused(tls: TlsCluster, mode: str) -> None:
    """A server certificate the given root did not sign: one line, exit 3, nothing written.

    ``require`` with a root certificate checks the chain too, as libpq does."""
    url = tls.url(sslmode=mode, sslrootcert=str(tls.other_root_cert))
    line = one_error_line(taskcli(url, "add", "must not arrive"))
    assert line.startswith(f"Error: cannot connect to postgresql://{OWNER}:***@127.0.0.1:"), line
    assert "certificate verify failed" in line, line
    assert "secret" not in line
    assert titles(tls.url(sslmode="require")) == []


def test_require_encrypts_without_checking(tls: TlsCluster) -> None:
    """``require`` needs no root certificate (the server accepts nothing unencrypted)."""
    url = tls.url(sslmode="require")
    assert taskcli(url, "add", "encrypted").returncode == 0
    assert titles(url) == ["encrypted"]


def test_a_plain_connection_is_refused_by_the_server(tls: TlsCluster) -> None:
    """The cluster has no ``hostnossl`` line: ``disable`` finds no entry, one clean line."""
    line = one_error_line(taskcli(tls.url(sslmode="disable"), "list"))
    assert line.startswith(f"Error: cannot connect to postgresql://{OWNER}:***@127.0.0.1:"), line
    assert line.endswith(": authorization failed"), line


def test_client_certificate_authentication(tls: TlsCluster) -> None:
    """A role authenticated by its certificate (CN = role name): no password at all."""
    url = tls.url(
        CERT_ROLE,
        None,
        sslmode="verify-full",
        sslrootcert=str(tls.root_cert),
        sslcert=str(tls.client_cert),
        sslkey=str(tls.client_key),
    )
    added = taskcli(url, "add", "by certificate")
    assert added.returncode == 0, added.stderr
    assert titles(url) == ["by certificate"]
    log = json.loads(taskcli(url, "log", "-f", "json").stdout)
    assert log[0]["user"].endswith(f"@{CERT_ROLE}")


def test_a_certificate_role_without_its_certificate_is_refused(tls: TlsCluster) -> None:
    url = tls.url(CERT_ROLE, None, sslmode="verify-full", sslrootcert=str(tls.root_cert))
    line = one_error_line(taskcli(url, "list"))
    assert line.startswith(f"Error: cannot connect to postgresql://{CERT_ROLE}@127.0.0.1:"), line
    assert line.endswith(": authorization failed"), line


def test_the_system_trust_store(tls: TlsCluster) -> None:
    """``sslrootcert=system`` trusts OpenSSL's default store (here ``SSL_CERT_FILE`` holds
    the team CA) and, as in libpq, means verify-full: the host name is checked too."""
    trusted = {"SSL_CERT_FILE": str(tls.root_cert)}
    url = tls.url(sslrootcert="system")
    added = taskcli(url, "add", "trusted by the system", **trusted)
    assert added.returncode == 0, added.stderr
    listed = taskcli(url + "&sslmode=verify-full", "list", "-f", "json", **trusted)
    assert [task["title"] for task in json.loads(listed.stdout)] == ["trusted by the system"]

    by_certificate = tls.url(
        CERT_ROLE,
        None,
        sslrootcert="system",
        sslcert=str(tls.client_cert),
        sslkey=str(tls.client_key),
    )
    listed = taskcli(by_certificate, "list", "-f", "ids", **trusted)
    assert listed.stdout == "1\n", listed.stderr

    other_host = tls.url(host="localhost", sslrootcert="system")
    assert "Hostname mismatch" in one_error_line(taskcli(other_host, "list", **trusted))
    untrusted = {"SSL_CERT_FILE": str(tls.other_root_cert)}
    assert "certificate verify failed" in one_error_line(taskcli(url, "list", **untrusted))


def test_the_system_trust_store_from_the_environment(tls: TlsCluster) -> None:
    """``PGSSLROOTCERT=system`` means the same as in the URL (asyncpg would read a file)."""
    trusted = {"SSL_CERT_FILE": str(tls.root_cert), "PGSSLROOTCERT": "system"}
    added = taskcli(tls.url(), "add", "trusted through PGSSLROOTCERT", **trusted)
    assert added.returncode == 0, added.stderr
    other_host = tls.url(host="localhost")
    assert "Hostname mismatch" in one_error_line(taskcli(other_host, "list", **trusted))
    weaker = taskcli(tls.url(), "list", **trusted, PGSSLMODE="require")
    assert "needs sslmode=verify-full" in one_error_line(weaker, exit_code=2)


@pytest.mark.parametrize("mode", ["require", "verify-ca", "prefer"])
def test_the_system_trust_store_needs_verify_full(tls: TlsCluster, mode: str) -> None:
    result = taskcli(tls.url(sslmode=mode, sslrootcert="system"), "add", "x")
    line = one_error_line(result, exit_code=2)
    assert line == (
        f"Error: sslrootcert=system needs sslmode=verify-full (sslmode={mode} would not "
        "check the server's host name)"
    ), line


def test_verify_full_without_a_root_certificate_says_which_file_is_missing(
    tls: TlsCluster, tmp_path: Path
) -> None:
    """No ``sslrootcert`` and no ``~/.postgresql/root.crt``: a connection problem, named."""
    url = tls.url(sslmode="verify-full")
    line = one_error_line(
        run_subprocess(["list"], env={"TASKCLI_DATABASE_URL": url, "HOME": str(tmp_path)})
    )
    assert line.startswith(f"Error: cannot connect to postgresql://{OWNER}:***@127.0.0.1:"), line
    assert "root.crt" in line, line


def test_a_client_certificate_without_its_key_says_so(tls: TlsCluster, tmp_path: Path) -> None:
    """``sslcert`` given, no ``sslkey`` and no ``~/.postgresql/postgresql.key``."""
    url = tls.url(
        CERT_ROLE,
        None,
        sslmode="verify-full",
        sslrootcert=str(tls.root_cert),
        sslcert=str(tls.client_cert),
    )
    result = run_subprocess(["list"], env={"TASKCLI_DATABASE_URL": url, "HOME": str(tmp_path)})
    line = one_error_line(result)
    assert line.startswith(f"Error: cannot connect to postgresql://{CERT_ROLE}@127.0.0.1:"), line
    assert "sslkey" in line, line
    assert "PEM lib" not in line, line
