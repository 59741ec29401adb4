"""A throwaway PostgreSQL cluster that accepts only TLS, with its own certificates.

A made-up certificate authority signs the server's certificate (for
127.0.0.1 only, not ``localhost``) and one client certificate (for a role that logs in
with ``cert`` authentication); a second authority signs nothing, so trusting it
must fail. pg_hba.conf allows TCP connections only over TLS: that role by
certificate, every other role by SCRAM password.

The cluster runs from Debian's (or any) PostgreSQL binaries on a free port and is
stopped with ``pg_ctl stop -m immediate`` and deleted whatever happens. initdb
refuses to run as root, so under root the cluster runs as ``postgres`` (or
``nobody``). Missing binaries are a skip, but a failure under ``CI=true``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from pgbouncer import free_port

DATABASE = "tasks"
OWNER = "taskcli_owner"
OWNER_PASSWORD = "owner secret/1"
CERT_ROLE = "taskcli_cert"
START_TIMEOUT_SECONDS = 180
COMMAND_TIMEOUT_SECONDS = 180
_DAYS = "3"
_EC_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
_CA_EXTENSIONS = (
    "-addext",
    "basicConstraints = critical, CA:TRUE",
    "-addext",
    "keyUsage = critical, keyCertSign, cRLSign",
)
_INITDB = ("-E", "UTF8", "--locale=C", "--no-sync")
_WAIT = ("-w", "-t", str(START_TIMEOUT_SECONDS))


@dataclass(frozen=True)
class TlsCluster:
    """Where the cluster listens and the files a client needs to trust and prove itself."""

    port: int
    directory: Path
    bindir: Path
    os_user: str | None
    root_cert: Path
    other_root_cert: Path
    client_cert: Path
    client_key: Path

    def url(
        self,
        user: str = OWNER,
        password: str | None = OWNER_PASSWORD,
        host: str = "127.0.0.1",
        **query: str,
    ) -> str:
        """A postgresql:// URL for ``user`` with libpq ``query`` parameters."""
        userinfo = quote(user, safe="")
        if password is not None:
            userinfo += ":" + quote(password, safe="")
        tail = f"?{urlencode(query, safe='/~')}" if query else ""
        return f"postgresql://{userinfo}@{host}:{self.port}/{DATABASE}{tail}"

    def psql(self, *statements: str, database: str = DATABASE) -> str:
        """Run SQL as the superuser over the cluster's Unix socket (trusted, no TLS)."""
        command = [str(self.bindir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]
        command += ["-h", str(self.directory), "-p", str(self.port), "-U", "postgres", database]
        for statement in statements:
            command += ["-c", statement]
        return _run(command, os_user=self.os_user, cwd=self.directory)


def required(reason: str) -> None:
    """Skip, except under ``CI=true``, where a missing part of PostgreSQL fails the run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def postgresql_bindir() -> Path:
    """The newest installed PostgreSQL's bin directory (``PG_BINDIR`` overrides)."""
    candidates = [Path(os.environ["PG_BINDIR"])] if os.environ.get("PG_BINDIR") else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("initdb")
    if on_path is not None:
        candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if all((bindir / name).exists() for name in ("initdb", "pg_ctl", "psql")):
            return bindir
    required("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    raise AssertionError("unreachable")


@contextmanager
def running_tls_cluster() -> Iterator[TlsCluster]:
    """Start the cluster, create the owner's database and the certificate role; yield it."""
    bindir = postgresql_bindir()
    if shutil.which("openssl") is None:
        required("the openssl command is not installed")
    os_user = _unprivileged_user() if os.geteuid() == 0 else None
    directory = Path(tempfile.mkdtemp(prefix="taskcli-pgtls-"))
    try:
        cluster = _prepare(directory, bindir, os_user)
        try:
            cluster = _start_on_a_free_port(cluster)
            cluster.psql(
                f"CREATE ROLE {OWNER} LOGIN PASSWORD '{OWNER_PASSWORD}'",
                f"CREATE DATABASE {DATABASE} OWNER {OWNER}",
                f"CREATE ROLE {CERT_ROLE} LOGIN",
                database="postgres",
            )
            yield cluster
        finally:
            _run(
                [str(bindir / "pg_ctl"), "stop", "-D", str(directory / "data"), "-m", "immediate"],
                os_user=os_user,
                cwd=directory,
                check=False,
            )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _prepare(directory: Path, bindir: Path, os_user: str | None) -> TlsCluster:
    certificates = _make_certificates(directory / "certs")
    data = directory / "data"
    if os_user is not None:
        shutil.chown(directory, user=os_user)
    _run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", *_INITDB],
        os_user=os_user,
        cwd=directory,
    )
    # The server's key must belong to the user running the server, mode 0600.
    for name in ("server.crt", "server.key", "root.crt"):
        shutil.copy(directory / "certs" / name, data / name)
        if os_user is not None:
            shutil.chown(data / name, user=os_user)
    (data / "server.key").chmod(0o600)
    port = free_port()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{directory}'\n"
            "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
            "ssl_ca_file = 'root.crt'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "max_connections = 40\nshared_buffers = 16MB\n"
        )
    # TCP only over TLS: no hostnossl line, so a plain connection finds no entry.
    (data / "pg_hba.conf").write_text(
        "local all all trust\n"
        f"hostssl all {CERT_ROLE} 127.0.0.1/32 cert\n"
        "hostssl all all 127.0.0.1/32 scram-sha-256\n"
    )
    return TlsCluster(
        port=port, directory=directory, bindir=bindir, os_user=os_user, **certificates
    )


def _start_on_a_free_port(cluster: TlsCluster, attempts: int = 5) -> TlsCluster:
    """Start; if another process took the port between choosing and binding it (parallel
    test workers choose too), choose again: the last ``port`` line of the file wins."""
    for attempt in range(attempts):
        try:
            _start(cluster)
            return cluster
        except AssertionError as error:
            if "Address already in use" not in str(error) or attempt == attempts - 1:
                raise
        cluster = replace(cluster, port=free_port())
        with (cluster.directory / "data" / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {cluster.port}\n")
    raise AssertionError("unreachable")


def _start(cluster: TlsCluster) -> None:
    """Start and wait until it answers a query (pg_ctl's own wait, then poll while
    the server is still there)."""
    data = cluster.directory / "data"
    log = cluster.directory / "server.log"
    started = _run(
        [str(cluster.bindir / "pg_ctl"), "start", "-D", str(data), "-l", str(log), *_WAIT],
        os_user=cluster.os_user,
        cwd=cluster.directory,
        check=False,
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            cluster.psql("SELECT 1", database="postgres")
            return
        except AssertionError:
            if time.monotonic() > deadline or not (data / "postmaster.pid").exists():
                details = log.read_text() if log.exists() else "(no log)"
                raise AssertionError(
                    f"the TLS cluster did not start: {started}\n{details}"
                ) from None
            time.sleep(0.2)


def _make_certificates(certs: Path) -> dict[str, Path]:
    """A root CA signing the server's and the client's certificates, and an unrelated CA."""
    certs.mkdir()
    _self_signed_ca(certs, "root", "taskcli test CA")
    _self_signed_ca(certs, "other-root", "taskcli unrelated CA")
    _signed(certs, "server", "taskcli test server", "subjectAltName = IP:127.0.0.1\n")
    _signed(certs, "client", CERT_ROLE, "extendedKeyUsage = clientAuth\n")
    for key in certs.glob("*.key"):
        key.chmod(0o600)
    return {
        "root_cert": certs / "root.crt",
        "other_root_cert": certs / "other-root.crt",
        "client_cert": certs / "client.crt",
        "client_key": certs / "client.key",
    }


def _self_signed_ca(certs: Path, name: str, common_name: str) -> None:
    _openssl(
        [
            "req",
            "-x509",
            *_EC_KEY,
            "-days",
            _DAYS,
            "-subj",
            f"/CN={common_name}",
            *_CA_EXTENSIONS,
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.crt",
        ],
        certs,
    )


def _signed(certs: Path, name: str, common_name: str, extensions: str) -> None:
    (certs / f"{name}.ext").write_text(
        "basicConstraints = CA:FALSE\n"
        "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid, issuer\n" + extensions
    )
    _openssl(
        [
            "req",
            "-new",
            *_EC_KEY,
            "-subj",
            f"/CN={common_name}",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
        ],
        certs,
    )
    _openssl(
        [
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "root.crt",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            _DAYS,
            "-out",
            f"{name}.crt",
            "-extfile",
            f"{name}.ext",
        ],
        certs,
    )


def _openssl(arguments: Sequence[str], cwd: Path) -> None:
    _run(["openssl", *arguments], os_user=None, cwd=cwd)


def _run(command: Sequence[str], *, os_user: str | None, cwd: Path, check: bool = True) -> str:
    """Run a tool (as ``os_user`` if given); raise AssertionError with its output on failure."""
    user = pwd.getpwnam(os_user) if os_user is not None else None
    result = subprocess.run(
        list(command),
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
        user=user.pw_uid if user else None,
        group=user.pw_gid if user else None,
        extra_groups=[] if user else None,
        env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "HOME": str(cwd)},
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{command[0]} failed ({result.returncode}): {result.stderr}")
    return result.stdout + result.stderr


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    required("no unprivileged user to run PostgreSQL as")
    raise AssertionError("unreachable")
