"""``sslrootcert=system``: trust the operating system's certificate authorities.

libpq (16 and later) reads ``system`` as "the system's trust store"; asyncpg
reads it as a file name, so taskcli builds the TLS context itself: OpenSSL's
default trust store (which honours ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``), host
name checking, and the client certificate if one is given. As in libpq the
mode defaults to ``verify-full`` and a weaker one is refused: a public
authority vouches for many hosts, so a signature alone proves little.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping

from taskcli.errors import InvalidDatabaseUrl

SYSTEM = "system"
#: libpq's environment variables for the TLS parameters a URL may leave out.
_ENVIRONMENT = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}


def with_environment(parameters: Mapping[str, str]) -> dict[str, str]:
    """The URL's TLS parameters, completed from ``PGSSL*`` as libpq does (the URL wins).

    asyncpg would read ``PGSSLROOTCERT=system`` as a file name, so taskcli reads it.
    """
    found = {key: os.environ[name] for key, name in _ENVIRONMENT.items() if os.environ.get(name)}
    return {**found, **parameters}


def system_trust_context(parameters: Mapping[str, str]) -> ssl.SSLContext:
    """The TLS context for ``sslrootcert=system``; raise ``InvalidDatabaseUrl`` (exit 2)
    for a mode that would not check the host name."""
    mode = parameters.get("sslmode", "verify-full")
    if mode != "verify-full":
        raise InvalidDatabaseUrl(
            f"sslrootcert=system needs sslmode=verify-full (sslmode={mode} would not check "
            "the server's host name)"
        )
    context = ssl.create_default_context()
    certificate = parameters.get("sslcert")
    if certificate:
        context.load_cert_chain(certificate, parameters.get("sslkey"))
    return context
