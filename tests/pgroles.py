"""PostgreSQL login roles for team tests: created with grants, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from support import execute


@contextmanager
def login_roles(database_url: str) -> Iterator[Callable[..., str]]:
    """``make(name, limit=-1)`` creates a role that may read and write taskcli's tables
    (``grant=False``: a role with no privileges yet).

    Roles are cluster-wide: each gets a unique name and is dropped at the end,
    after what it owns (a database too) is handed to the connecting superuser.
    """
    created: list[str] = []

    def make(name: str, *, connection_limit: int = -1, grant: bool = True) -> str:
        role = f"{name}_{uuid.uuid4().hex[:8]}"
        grants = (
            f'GRANT USAGE ON SCHEMA public TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
            f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        )
        execute(
            database_url,
            f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT {connection_limit}',
            *(grants if grant else ()),
        )
        created.append(role)
        return role

    try:
        yield make
    finally:
        for role in reversed(created):
            execute(
                database_url,
                f'REASSIGN OWNED BY "{role}" TO CURRENT_USER',
                f'DROP OWNED BY "{role}"',
                f'DROP ROLE "{role}"',
            )


def as_role(url: str, role: str) -> str:
    """The same database URL, logging in as ``role`` (trust authentication)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))
